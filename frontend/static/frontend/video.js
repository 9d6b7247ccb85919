// The exam room's live video (docs/video.md): the camera's track, at the size and frame rate the
// server asks, sent over WebRTC to the media worker. Signalling is one authenticated POST of the
// offer (ICE gathered first: the server does not trickle) that returns the answer. The exam never
// waits for any of it: a link that does not connect within the server's timeout, or that drops,
// is closed and tried again later with a new peer connection (no ICE restart), and the room goes
// on with its snapshots meanwhile.
(function () {
  "use strict";
  const RETRY_MS = 30000;

  function gathered(pc, timeoutMs) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (pc.iceGatheringState === "complete") { pc.removeEventListener("icegatheringstatechange", done); resolve(); } };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, timeoutMs);  // send what was gathered so far
    });
  }

  // publish(stream, offerPath, {onState, active, iceServers}): keeps one link up while `active()`; onState("live" |
  // "down", detail) on every change. Returns {stop(), apply(setting)}: apply is the server's
  // step down for a poor link (camera constraints and the encoder's ceiling).
  function publish(stream, offerPath, { onState, active, iceServers = [] }) {
    let pc = null;
    let timer = null;
    let stopped = false;
    let state = "";
    let sending = null;  // {track, sender} of the current link
    const say = (next, detail) => { if (next !== state) { state = next; onState(next, detail); } };

    function close() {
      if (pc) { try { pc.close(); } catch (e) { /* closed already */ } }
      sending = null;
      pc = null;
    }

    function later() {
      close();
      say("down");
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(attempt, RETRY_MS);
    }

    async function attempt() {
      if (stopped || !active()) { timer = setTimeout(attempt, RETRY_MS); return; }
      const camera = stream.getVideoTracks()[0];
      if (!camera || !window.RTCPeerConnection) return say("down", "unsupported");
      const track = camera.clone();  // the snapshots keep the full-size camera
      pc = new RTCPeerConnection({ iceServers });  // the deployment's STUN/TURN (VIDEO_ICE_SERVERS)
      const current = pc;
      try {
        const sender = pc.addTransceiver(track, { direction: "sendonly" }).sender;
        await pc.setLocalDescription(await pc.createOffer());
        await gathered(pc, 3000);
        const answer = await window.Kaohe.api(offerPath, { json: { sdp: pc.localDescription.sdp, type: "offer" }, timeoutMs: 15000 });
        if (current !== pc) return;
        const setting = answer.setting;
        await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
        sending = { track, sender };
        apply(setting);
        const deadline = setTimeout(() => { if (current === pc && pc.connectionState !== "connected") later(); }, setting.connect_timeout * 1000);
        pc.addEventListener("connectionstatechange", () => {
          if (current !== pc) return;
          if (pc.connectionState === "connected") { clearTimeout(deadline); say("live"); }
          if (["failed", "closed", "disconnected"].includes(pc.connectionState)) { clearTimeout(deadline); later(); }
        });
      } catch (e) {
        if (current === pc) later();
      }
    }

    // What the server asks of the camera and the encoder: at the answer, and again when a poor
    // link is stepped down (the room's `video` frame with a `setting`).
    function apply(setting) {
      if (!sending || !setting) return;
      const { track, sender } = sending;
      track.applyConstraints({ width: setting.width, height: setting.height, frameRate: setting.frame_rate }).catch(() => {});
      const parameters = sender.getParameters();
      if (parameters.encodings && parameters.encodings.length) {
        parameters.encodings[0].maxBitrate = setting.max_bitrate;
        parameters.encodings[0].maxFramerate = setting.frame_rate;
        sender.setParameters(parameters).catch(() => {});
      }
    }

    attempt();
    return {
      stop() { stopped = true; clearTimeout(timer); close(); },
      apply,
      get pc() { return pc; },
    };
  }

  // watch(offerPath, element, {iceServers}): a proctor's receive-only connection to the media
  // worker, which relays the candidate's track; the video plays in `element`. Resolves with the
  // peer connection once answered; rejects with the server's refusal (Kaohe.ApiError).
  async function watch(offerPath, element, { iceServers = [] } = {}) {
    const pc = new RTCPeerConnection({ iceServers });
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addEventListener("track", (event) => {
      element.srcObject = event.streams[0] || new MediaStream([event.track]);
      element.play().catch(() => {});
    });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, 3000);
      const answer = await window.Kaohe.api(offerPath, { json: { sdp: pc.localDescription.sdp, type: "offer" }, timeoutMs: 15000 });
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    } catch (error) {
      pc.close();
      throw error;
    }
    return pc;
  }

  window.KaoheVideo = { publish, watch };
})();
