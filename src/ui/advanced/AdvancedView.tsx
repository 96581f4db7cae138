import { BackbonesSection } from '../backbones/BackbonesSection';
import { BenchPanel } from '../bench/BenchPanel';
import { ScoreImage } from '../profiles/ScoreImage';
import { EnginePanel } from './EnginePanel';

/** What a specialist tunes: the compute backend, backbones and checkpoint conversion, one-image scoring, the benchmark. */
export function AdvancedView() {
  return (
    <main className="layout" data-testid="advanced-view">
      <div className="panel">
        <EnginePanel />
        <BackbonesSection />
      </div>
      <div className="panel">
        <ScoreImage />
        <BenchPanel />
      </div>
    </main>
  );
}
