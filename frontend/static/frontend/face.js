// The face profile page: live webcam captures become reference photos.
(function () {
  "use strict";
  const root = document.getElementById("webcam-references");
  if (!root) return;
  const video = document.getElementById("camera");
  const startButton = document.getElementById("camera-start");
  const captureButton = document.getElementById("capture");
  const status = document.getElementById("capture-status");

  startButton.addEventListener("click", async () => {
    try {
      await window.KaoheWebcam.start(video);
      captureButton.disabled = false;
      startButton.hidden = true;
      status.textContent = "";
    } catch (error) {
      status.textContent = root.dataset.msgNoCamera;
    }
  });

  captureButton.addEventListener("click", async () => {
    captureButton.disabled = true;
    status.textContent = root.dataset.msgSending;
    try {
      const result = await window.KaoheWebcam.upload("/api/proctor/references", await window.KaoheWebcam.capture(video));
      if (result.ok) {
        status.textContent = root.dataset.msgAdded;
        // The page shows the new status and thumbnails.
        window.location.reload();
        return;
      }
      status.textContent = result.data.message || root.dataset.msgError;
    } catch (error) {
      status.textContent = root.dataset.msgError;
    }
    captureButton.disabled = false;
  });
})();
