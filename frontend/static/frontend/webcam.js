// The webcam, shared by the face profile page, the study player and the exam room: start the
// camera into a <video>, capture the current frame as a small JPEG, and upload it.
(function () {
  "use strict";
  const WIDTH = 640;
  const HEIGHT = 480;
  // A phone on a slow network uploads for a while, and a check that runs in the request adds to it.
  const UPLOAD_TIMEOUT_MS = 60000;

  async function start(video) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("no camera API");
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: WIDTH }, height: { ideal: HEIGHT }, facingMode: "user" }, audio: false,
    });
    video.srcObject = stream;
    await video.play().catch(() => {});
    if (!video.videoWidth) await new Promise((resolve) => video.addEventListener("loadeddata", resolve, { once: true }));
    return stream;
  }

  function capture(video) {
    const canvas = document.createElement("canvas");
    const scale = Math.min(1, WIDTH / (video.videoWidth || WIDTH));
    canvas.width = Math.round((video.videoWidth || WIDTH) * scale);
    canvas.height = Math.round((video.videoHeight || HEIGHT) * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("capture failed"))), "image/jpeg", 0.85);
    });
  }

  // The frame as the multipart field `image`; resolves with the API's answer, rejects with a
  // Kaohe.ApiError.
  function upload(path, blob) {
    const form = new FormData();
    form.append("image", blob, "capture.jpg");
    return window.Kaohe.api(path, { form, timeoutMs: UPLOAD_TIMEOUT_MS });
  }

  window.KaoheWebcam = { start, capture, upload };
})();
