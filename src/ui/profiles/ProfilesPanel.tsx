import { CreateProfile } from './CreateProfile';
import { ProfileList } from './ProfileList';

/** Build profiles from normal images and manage the saved ones, side by side (stacked on narrow screens). */
export function ProfilesPanel() {
  return (
    <section className="layout" data-testid="profiles-panel" aria-label="Profiles">
      <ProfileList />
      <CreateProfile />
    </section>
  );
}
