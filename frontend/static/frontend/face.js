// The face profile page: live webcam captures become reference photos.
(function () {
  "use strict";
  const root = document.getElementById("webcam-references");
  if (!root) return;
  const { urls, words } = window.Kaohe.config();
  const webcam = window.KaoheWebcam;
  const video = document.getElementById("camera");
  const startButton = document.getElementById("camera-start");
  const captureButton = document.getElementById("capture");
  const status = document.getElementById("capture-status");

  startButton.addEventListener("click", async () => {
    try {
      await webcam.start(video);
      captureButton.disabled = false;
      startButton.hidden = true;
      status.textContent = "";
    } catch (error) {
      status.textContent = words.no_camera;
    }
  });

  captureButton.addEventListener("click", async () => {
    captureButton.disabled = true;
    status.textContent = words.sending;
    try {
      await webcam.upload(urls.references, await webcam.capture(video));
    } catch (error) {
      status.textContent = window.Kaohe.errorMessage(error, words.error);
      captureButton.disabled = false;
      return;
    }
    status.textContent = words.added;
    // The page shows the new status and thumbnails.
    window.location.reload();
  });
})();
