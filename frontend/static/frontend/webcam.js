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

  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // A burst answering the server's request: `count` frames `gapMs` apart. With a challenge, the
  // first half is taken before `prompt()` is called (the learner is asked to turn their head), the
  // rest over the following second and a half.
  async function burst(video, count, { gapMs = 300, prompt = null } = {}) {
    const frames = [];
    const before = prompt ? Math.max(1, Math.floor(count / 2)) : count;
    for (let index = 0; index < before; index += 1) {
      if (index) await wait(gapMs);
      frames.push(await capture(video));
    }
    if (prompt) {
      prompt();
      const after = count - before;
      for (let index = 0; index < after; index += 1) {
        await wait(1500 / after);
        frames.push(await capture(video));
      }
    }
    return frames;
  }

  // The frames as repeated multipart fields `frame`, with the request's one-time nonce.
  function uploadBurst(path, frames, nonce) {
    const form = new FormData();
    frames.forEach((blob, index) => form.append("frame", blob, `frame-${index}.jpg`));
    form.append("nonce", nonce);
    return window.Kaohe.api(path, { form, timeoutMs: UPLOAD_TIMEOUT_MS });
  }

  window.KaoheWebcam = { start, capture, upload, burst, uploadBurst };
})();
