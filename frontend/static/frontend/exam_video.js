// The proctor's view of one candidate's video: the latest frame the server sampled, refreshed
// every few seconds (docs/video.md). A 204 means no frame yet.
(function () {
  "use strict";
  const config = window.Kaohe.config();
  const image = document.getElementById("video-frame");
  const status = document.getElementById("video-status");
  async function refresh() {
    try {
      const response = await fetch(`${config.frame}?t=${Date.now()}`, { credentials: "same-origin" });
      if (response.status === 204) { status.textContent = config.words.none; return; }
      if (!response.ok) return;
      const old = image.src;
      image.src = URL.createObjectURL(await response.blob());
      image.dataset.loaded = String(Number(image.dataset.loaded || 0) + 1);
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    } catch (e) { /* the next refresh tries again */ }
  }
  refresh();
  setInterval(refresh, config.refresh_ms);
})();
