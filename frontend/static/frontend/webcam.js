// The webcam, shared by the face profile page and the study player: start the camera into a
// <video>, and capture the current frame as a small JPEG.
(function () {
  "use strict";
  const WIDTH = 640;
  const HEIGHT = 480;

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

  function csrf() {
    return decodeURIComponent((document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "");
  }

  async function upload(path, blob) {
    const form = new FormData();
    form.append("image", blob, "capture.jpg");
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: form,
    });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data: data };
  }

  window.KaoheWebcam = { start: start, capture: capture, upload: upload, csrf: csrf };
})();
