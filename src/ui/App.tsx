import { useEffect } from 'react';
import { refreshProfiles, startEngine } from '../state/actions';
import { installDebugHooks } from '../state/services';
import { BenchPanel } from './bench/BenchPanel';
import { ProfilesPanel } from './profiles/ProfilesPanel';
import { InspectPanel } from './inspect/InspectPanel';
import { ScoreImage } from './profiles/ScoreImage';
import { Alerts } from './shell/Alerts';
import { Header } from './shell/Header';
import { ThresholdPanel } from './threshold/ThresholdPanel';
import './app.css';

export function App() {
  useEffect(() => {
    installDebugHooks();
    void startEngine();
    void refreshProfiles();
  }, []);
  return (
    <div className="app">
      <Header />
      <Alerts />
      <main className="layout">
        <ProfilesPanel />
        <div className="panel">
          <ScoreImage />
          <BenchPanel />
        </div>
      </main>
      <div className="layout layout-inspect">
        <InspectPanel />
        <ThresholdPanel />
      </div>
    </div>
  );
}
