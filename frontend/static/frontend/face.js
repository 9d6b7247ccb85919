// The face profile page: live webcam captures become reference photos. While the camera is on,
// a frame a second goes to the server's guidance check (one face, centred, enough light), and the
// capture button is enabled only while the picture is right, so a capture is rarely refused.
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
  const guidance = document.getElementById("capture-guidance");
  const GUIDANCE_GAP_MS = 1000;
  let capturing = false;

  async function guide() {
    if (capturing) return;
    try {
      const answer = await webcam.upload(urls.guidance, await webcam.capture(video));
      if (capturing) return;
      guidance.textContent = answer.message;
      guidance.dataset.code = answer.code;
      guidance.className = answer.ok ? "ok" : "warning";
      captureButton.disabled = !answer.ok;
    } catch (error) {
      // Guidance is a help, not a gate: when it cannot be had, the capture is checked anyway.
      guidance.textContent = window.Kaohe.errorMessage(error, words.error);
      guidance.dataset.code = "unavailable";
      captureButton.disabled = false;
    } finally {
      if (!capturing) window.setTimeout(guide, GUIDANCE_GAP_MS);
    }
  }

  startButton.addEventListener("click", async () => {
    try {
      await webcam.start(video);
      startButton.hidden = true;
      status.textContent = "";
      guidance.textContent = words.guiding;
      guide();
    } catch (error) {
      status.textContent = words.no_camera;
    }
  });

  captureButton.addEventListener("click", async () => {
    capturing = true;
    captureButton.disabled = true;
    status.textContent = words.sending;
    try {
      await webcam.upload(urls.references, await webcam.capture(video));
    } catch (error) {
      status.textContent = window.Kaohe.errorMessage(error, words.error);
      capturing = false;
      guide();
      return;
    }
    status.textContent = words.added;
    // The page shows the new status and thumbnails.
    window.location.reload();
  });
})();
