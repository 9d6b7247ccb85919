// The study player: opens a study session, resumes where the learner left off, reports playback
// with a heartbeat, takes webcam snapshots at random times for the identity checks, and obeys the
// server (which alone decides what counts as study time and which of it was verified).
(function () {
  "use strict";
  const root = document.getElementById("player");
  if (!root) return;
  const video = document.getElementById("video");
  const status = document.getElementById("player-status");
  const resumeHere = document.getElementById("resume-here");
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  let session = null;
  let sequence = 0;
  let furthest = 0;
  let timer = null;
  // Whether the video played since the last accepted beat: the beat sent as playback pauses or ends,
  // or one the server refused, must still report the stretch played although the video now stands.
  let playedSinceBeat = false;

  function say(text) { status.textContent = text || ""; }

  // Identity checks. A failed check locks playback until a new snapshot verifies; time after a
  // failure counts only from the next verified snapshot, whatever the player does.
  const camera = document.getElementById("camera");
  const cameraBanner = document.getElementById("camera-banner");
  const checkStatus = document.getElementById("check-status");
  const RETRY_MS = 5000;
  let cameraOn = false;
  let locked = false;
  let snapshotTimer = null;
  let snapshotDue = false;
  let checking = null;
  let closedAtEnd = false;  // playing again after the end opens a new session

  function check(text) { checkStatus.textContent = text || ""; }

  async function cameraStart() {
    if (cameraOn) return true;
    try {
      await window.KaoheWebcam.start(camera);
      camera.hidden = false;
      cameraOn = true;
      cameraBanner.hidden = true;
    } catch (error) {
      cameraBanner.textContent = root.dataset.msgNoCamera;
      cameraBanner.hidden = false;
    }
    return cameraOn;
  }

  function snapshotLater(ms) {
    clearTimeout(snapshotTimer);
    snapshotTimer = setTimeout(() => {
      if (video.paused && !locked) { snapshotDue = true; return; }
      snapshot();
    }, ms);
  }

  function randomInterval() {
    const low = session.snapshot_min_seconds;
    const high = Math.max(low, session.snapshot_max_seconds);
    return (low + Math.random() * (high - low)) * 1000;
  }

  function lock(message) {
    locked = true;
    video.pause();
    check(message ? `${root.dataset.msgLook} ${message}` : root.dataset.msgLook);
  }

  function unlock() {
    const wasLocked = locked;
    locked = false;
    check(root.dataset.msgVerified);
    if (wasLocked) video.play().catch(() => {});
  }

  // One snapshot at a time; the promise resolves with the decision ("" when none could be had).
  function snapshot() {
    if (!checking) checking = takeSnapshot().finally(() => { checking = null; });
    return checking;
  }

  async function takeSnapshot() {
    if (!session || !session.face_ready || !cameraOn) return "";
    const current = session;
    let result;
    try {
      result = await window.KaoheWebcam.upload(
        `/api/study/sessions/${current.session_id}/snapshots`, await window.KaoheWebcam.capture(camera));
    } catch (error) {
      result = { ok: false, status: 0, data: {} };
    }
    if (session !== current) return "";
    if (!result.ok) {
      const code = result.data.code;
      if (code === "face_profile_missing") { session.face_ready = false; return ""; }
      if (code === "session_closed" || code === "session_not_found") return "";
      // Too soon, a network failure or an unusable frame: try again shortly.
      if (result.status === 0 || result.status === 429) { snapshotLater(RETRY_MS); return ""; }
      lock(result.data.message);
      snapshotLater(RETRY_MS);
      return "";
    }
    const decided = await decision(result.data.id);
    if (session !== current) return decided.decision || "";
    if (decided.decision === "verified") {
      unlock();
      snapshotLater(randomInterval());
    } else {
      lock(decided.message);
      snapshotLater(RETRY_MS);
    }
    return decided.decision || "";
  }

  async function decision(id) {
    for (let attempt = 0; attempt < 120; attempt += 1) {
      const response = await fetch(`/api/proctor/snapshots/${id}`, { credentials: "same-origin" }).catch(() => null);
      const data = response && response.ok ? await response.json().catch(() => ({})) : {};
      if (data.status === "decided") return data;
      await new Promise((resolve) => setTimeout(resolve, attempt < 10 ? 500 : 2000));
    }
    return {};
  }

  async function api(path, body, keepalive) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) },
      body: JSON.stringify(body || {}),
    });
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data: data };
  }

  async function open() {
    const result = await api("/api/study/sessions", { lesson_id: Number(root.dataset.lesson) });
    if (!result.ok) { say(result.data.message || root.dataset.msgError); return; }
    session = result.data;
    sequence = 0;
    playedSinceBeat = false;
    furthest = session.furthest;
    resumeHere.hidden = true;
    say("");
    const start = () => {
      if (session.resume_position > 0 && session.resume_position < video.duration) {
        video.currentTime = session.resume_position;
      }
    };
    if (!video.src) {
      video.addEventListener("loadedmetadata", start, { once: true });
      video.src = session.video_url;
    } else {
      start();
    }
    clearInterval(timer);
    timer = setInterval(beat, session.heartbeat_seconds * 1000);
    snapshotDue = true;  // the first one as playback starts
    if (session.face_ready) cameraStart();
  }

  // One beat in flight at a time, in order: a pause and the end of the video both beat at once,
  // and the second must see what the first did.
  let beating = Promise.resolve();
  function beat() {
    beating = beating.then(sendBeat, sendBeat);
    return beating;
  }

  async function sendBeat() {
    if (!session) return;
    sequence += 1;
    const playing = playedSinceBeat || (!video.paused && !video.ended);
    playedSinceBeat = !video.paused && !video.ended;
    const result = await api(`/api/study/sessions/${session.session_id}/heartbeats`, {
      sequence: sequence, position: video.currentTime || 0, playing: playing,
    }).catch(() => ({ ok: false, status: 0, data: {} }));
    if (!result.ok && playing) playedSinceBeat = true;
    if (result.ok) {
      furthest = Math.max(furthest, result.data.furthest);
      document.getElementById("watched").textContent = Math.round(result.data.watched_ratio * session.duration);
      document.getElementById("study-time").textContent = Math.round(result.data.study_seconds);
      if (result.data.lesson_complete) document.getElementById("lesson-state").textContent = root.dataset.msgComplete;
      root.dataset.position = result.data.position;
      return result;
    }
    const code = result.data.code;
    if (code === "session_superseded" || code === "session_closed") {
      clearInterval(timer);
      video.pause();
      session = null;
      say(root.dataset.msgSuperseded);
      resumeHere.hidden = false;
    } else if (code === "seek_forbidden") {
      video.currentTime = result.data.allowed_position;
      say(root.dataset.msgSeek);
    } else if (code === "heartbeat_too_soon" || code === "heartbeat_out_of_order") {
      // Harmless: the next beat carries the position.
    } else {
      say(result.data.message || root.dataset.msgError);
    }
    return result;
  }

  // The beat that reports the end must land before the session closes: one refused as too soon
  // after the last is sent again once the server will take it.
  async function finalBeat() {
    for (let attempt = 0; attempt < 3 && session; attempt += 1) {
      const result = await beat();
      if (!result || result.ok || result.data.code !== "heartbeat_too_soon") return;
      await new Promise((resolve) => setTimeout(resolve, session.heartbeat_seconds * 500));
    }
  }

  video.addEventListener("seeking", () => {
    if (session && session.forbid_seeking && video.currentTime > furthest + 1 && video.currentTime > (session.resume_position || 0) + 1) {
      video.currentTime = Math.max(furthest, session.resume_position || 0);
      say(root.dataset.msgSeek);
    }
  });
  video.addEventListener("playing", () => {
    playedSinceBeat = true;
    if (locked) { video.pause(); return; }
    if (snapshotDue && session && session.face_ready) {
      snapshotDue = false;
      cameraStart().then((on) => { if (on) snapshot(); });
    }
  });
  video.addEventListener("play", () => {
    if (locked) video.pause();
    else if (!session && closedAtEnd) { closedAtEnd = false; open(); }
  });
  // The lesson's last stretch needs a verified snapshot at its end to count; then the session
  // closes, which settles the lesson and credits its hours.
  video.addEventListener("ended", async () => {
    if (!session) return;
    const current = session;
    clearTimeout(snapshotTimer);
    if (current.face_ready && cameraOn) {
      if (checking) await checking;
      await snapshot();
    }
    if (session !== current) return;
    await finalBeat();
    if (session !== current) return;
    clearInterval(timer);
    await api(`/api/study/sessions/${current.session_id}/close`, {});
    session = null;
    closedAtEnd = true;
    clearTimeout(snapshotTimer);
    locked = false;
  });
  video.addEventListener("timeupdate", () => {
    if (!video.paused) playedSinceBeat = true;
    // Continuous playback extends what may be sought back to.
    if (!video.seeking && video.currentTime <= furthest + 3) furthest = Math.max(furthest, video.currentTime);
  });
  video.addEventListener("pause", () => { if (session) beat(); });
  resumeHere.addEventListener("click", open);
  window.addEventListener("pagehide", () => {
    if (!session) return;
    sequence += 1;
    api(`/api/study/sessions/${session.session_id}/heartbeats`, {
      sequence: sequence, position: video.currentTime || 0, playing: playedSinceBeat || !video.paused,
    }, true).finally(() => {});
    api(`/api/study/sessions/${session.session_id}/close`, {}, true);
  });
  open();
})();
