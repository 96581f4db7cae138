import { useEffect } from 'react';
import { refreshProfiles } from '../state/actions';
import { startEngine } from '../state/engine-actions';
import { installDebugHooks } from '../state/services';
import { BenchPanel } from './bench/BenchPanel';
import { ProfilesPanel } from './profiles/ProfilesPanel';
import { InspectPanel } from './inspect/InspectPanel';
import { ScoreImage } from './profiles/ScoreImage';
import { Alerts } from './shell/Alerts';
import { DemoView } from './demo/DemoView';
import { EvaluateView } from './evaluate/EvaluateView';
import { TrainView } from './train/TrainView';
import { LiveView } from './live/LiveView';
import { Header } from './shell/Header';
import { UpdateBanner } from './shell/UpdateBanner';
import { Nav } from './shell/Nav';
import { useRoute } from './shell/route';
import { ThresholdPanel } from './threshold/ThresholdPanel';
import './app.css';

export function App() {
  const route = useRoute();
  useEffect(() => {
    installDebugHooks();
    void startEngine();
    void refreshProfiles();
  }, []);
  return (
    <div className="app">
      <Header />
      <UpdateBanner />
      <Alerts />
      <Nav route={route} />
      {route === 'live' && <LiveView />}
      {route === 'demo' && <DemoView />}
      {route === 'evaluate' && <EvaluateView />}
      {route === 'train' && <TrainView />}
      {route === 'home' && (
        <>
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
        </>
      )}
    </div>
  );
}
