export function App() {
  return (
    <main>
      <h1>Anomaly Inspector</h1>
      <p>Visual inspection of parts, entirely in your browser. No image leaves the device.</p>
    </main>
  );
}
