import { useEffect } from 'react';
import { refreshProfiles } from '../state/actions';
import { useAppStore } from '../state/app-store';
import { startEngine } from '../state/engine-actions';
import { installDebugHooks } from '../state/services';
import { DEMO_PROFILE_ID } from '../engine/demo/recipe';
import { AdvancedView } from './advanced/AdvancedView';
import { HistoryView } from './history/HistoryView';
import { ProfileLinkDialog, startProfileLinkFromUrl } from './link/ProfileLinkDialog';
import { ProfilesPanel } from './profiles/ProfilesPanel';
import { InspectPanel } from './inspect/InspectPanel';
import { Alerts } from './shell/Alerts';
import { DemoView } from './demo/DemoView';
import { EvaluateView } from './evaluate/EvaluateView';
import { TrainView } from './train/TrainView';
import { LiveView } from './live/LiveView';
import { Header } from './shell/Header';
import { UpdateBanner } from './shell/UpdateBanner';
import { Nav } from './shell/Nav';
import { homeView, useRoute } from './shell/route';
import { StartView } from './start/StartView';
import { ThresholdPanel } from './threshold/ThresholdPanel';
import './app.css';

/** The main page once a profile exists: inspect images against the chosen profile, and manage profiles. */
function InspectView() {
  return (
    <main>
      <div className="layout layout-inspect">
        <InspectPanel />
        <ThresholdPanel />
      </div>
      <ProfilesPanel />
    </main>
  );
}

export function App() {
  const route = useRoute();
  const loaded = useAppStore((s) => s.profilesLoaded);
  const ownProfiles = useAppStore((s) => s.profiles.filter((p) => p.id !== DEMO_PROFILE_ID).length);
  useEffect(() => {
    installDebugHooks();
    void startEngine();
    void refreshProfiles();
    startProfileLinkFromUrl();
  }, []);
  const view = route === 'home' ? (loaded ? homeView(ownProfiles) : null) : route;
  return (
    <div className="app">
      <Header />
      <UpdateBanner />
      <Alerts />
      <ProfileLinkDialog />
      <Nav current={view ?? 'home'} />
      {view === 'start' && <StartView />}
      {view === 'inspect' && <InspectView />}
      {view === 'live' && <LiveView />}
      {view === 'history' && <HistoryView />}
      {view === 'demo' && <DemoView />}
      {view === 'evaluate' && <EvaluateView />}
      {view === 'train' && <TrainView />}
      {view === 'advanced' && <AdvancedView />}
    </div>
  );
}
