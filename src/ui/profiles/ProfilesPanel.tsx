import { BackbonesSection } from '../backbones/BackbonesSection';
import { CreateProfile } from './CreateProfile';
import { ProfileList } from './ProfileList';

/** Build profiles from normal images and manage the saved ones. */
export function ProfilesPanel() {
  return (
    <div className="panel" data-testid="profiles-panel">
      <CreateProfile />
      <ProfileList />
      <BackbonesSection />
    </div>
  );
}
