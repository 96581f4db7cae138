import { CreateProfile } from './CreateProfile';
import { ProfileList } from './ProfileList';
import { ScoreImage } from './ScoreImage';

export function ProfilesPanel() {
  return (
    <div className="panel" data-testid="profiles-panel">
      <CreateProfile />
      <ProfileList />
      <ScoreImage />
    </div>
  );
}
