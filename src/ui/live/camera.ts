/** Camera access for the live view: rear camera preferred (tablets), a chosen device otherwise. */
export interface CameraDevice {
  deviceId: string;
  label: string;
}

export async function openCamera(deviceId: string | null): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser gives no camera access here (it needs HTTPS or localhost)');
  const video: MediaTrackConstraints = deviceId
    ? { deviceId: { exact: deviceId }, width: { ideal: 1280 }, height: { ideal: 720 } }
    : { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } };
  return navigator.mediaDevices.getUserMedia({ video, audio: false });
}

export async function listCameras(): Promise<CameraDevice[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === 'videoinput').map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
}

export function stopStream(stream: MediaStream | null): void {
  stream?.getTracks().forEach((t) => t.stop());
}

/** Explains a getUserMedia failure in words. */
export function cameraError(e: unknown): string {
  const name = (e as { name?: string })?.name;
  if (name === 'NotAllowedError') return 'camera permission was refused; allow the camera for this site and try again';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'no camera was found';
  if (name === 'NotReadableError') return 'the camera is in use by another application';
  return (e as Error)?.message ?? String(e);
}
