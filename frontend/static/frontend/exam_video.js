// The proctor's view of one candidate's video: the latest frame the server sampled, refreshed
// every few seconds (docs/video.md), and on demand the live video, relayed by the media worker
// (KaoheVideo.watch). A 204 means no frame yet.
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

  const button = document.getElementById("watch-live");
  const live = document.getElementById("live-video");
  const liveStatus = document.getElementById("live-status");
  if (button && window.KaoheVideo && window.RTCPeerConnection) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      button.disabled = true;
      liveStatus.textContent = config.words.connecting;
      try {
        const pc = await window.KaoheVideo.watch(config.watch, live, { iceServers: config.ice_servers || [] });
        live.hidden = false;
        liveStatus.textContent = config.words.live;
        live.addEventListener("playing", () => { live.dataset.playing = "1"; }, { once: true });
        pc.addEventListener("connectionstatechange", () => {
          if (pc.connectionState === "failed" || pc.connectionState === "closed") {
            liveStatus.textContent = config.words.ended;
            button.disabled = false;
          }
        });
      } catch (error) {
        liveStatus.textContent = window.Kaohe.errorMessage(error, config.words.ended);
        button.disabled = false;
      }
    });
  }
})();
