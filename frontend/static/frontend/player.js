// The study player: opens a study session, resumes where the learner left off, reports playback
// with a heartbeat, and answers the server's requests for webcam evidence (a short burst of
// frames, with a head turn when asked). The server alone decides when evidence is due, what counts
// as study time and which of it was verified.
//
// What the learner sees comes from one state machine: `state` is one of the STATES below and
// `show()` renders it; nothing else writes the status lines.
(function () {
  "use strict";
  const root = document.getElementById("player");
  if (!root) return;
  const Kaohe = window.Kaohe;
  const webcam = window.KaoheWebcam;
  const { lesson, urls, words } = Kaohe.config();
  const video = document.getElementById("video");
  const status = document.getElementById("player-status");
  const checkStatus = document.getElementById("check-status");
  const prompt = document.getElementById("challenge-prompt");
  const resumeHere = document.getElementById("resume-here");
  const camera = document.getElementById("camera");
  const cameraBanner = document.getElementById("camera-banner");

  // idle: no session yet; studying: a session is open; checking: a burst is being taken or
  // decided; locked: a check failed and playback waits for the next one; complete: the lesson
  // ended and the session closed; superseded: another tab or device took over; failed: the
  // server could not be reached.
  const STATES = ["idle", "studying", "checking", "locked", "complete", "superseded", "failed"];
  let state = "idle";
  let detail = "";  // the message that goes with the state (a refusal, a decision)
  let checkDetail = "";

  let session = null;
  let sequence = 0;
  let furthest = 0;
  let timer = null;
  let playedSinceBeat = false;  // the video played since the last accepted beat
  let cameraOn = false;
  let answering = null;  // the request being answered: {id, promise}

  function setState(next, message = "") {
    if (!STATES.includes(next)) throw new Error(`unknown state ${next}`);
    state = next;
    detail = message;
    show();
  }

  function show() {
    root.dataset.state = state;
    const lines = {
      idle: "",
      studying: detail,
      checking: "",
      locked: "",
      complete: words.complete,
      superseded: words.superseded,
      failed: detail || words.error,
    };
    status.textContent = lines[state] || "";
    if (state === "checking") checkStatus.textContent = checkDetail || words.hold;
    else if (state === "locked") checkStatus.textContent = detail ? `${words.look} ${detail}` : words.look;
    else checkStatus.textContent = state === "studying" ? checkDetail : "";  // one state shows at a time
    resumeHere.hidden = state !== "superseded";
    if (state !== "checking") prompt.hidden = true;
  }

  async function cameraStart() {
    if (cameraOn) return true;
    try {
      await webcam.start(camera);
      camera.hidden = false;
      cameraOn = true;
      cameraBanner.hidden = true;
    } catch (error) {
      cameraBanner.textContent = words.no_camera;
      cameraBanner.hidden = false;
    }
    return cameraOn;
  }

  // The session's endpoints, made whole for the session at hand.
  function sessionUrl(name, current) {
    return Kaohe.url(urls[name], { session: current.session_id });
  }

  // Answer a request of the server once (a request comes again in every reply until answered).
  function answer(request) {
    if (!request || !session || !session.face_ready) return Promise.resolve("");
    if (answering && answering.id === request.id) return answering.promise;
    const promise = takeBurst(request).finally(() => {
      if (answering && answering.id === request.id) answering = null;
    });
    answering = { id: request.id, promise };
    return promise;
  }

  async function takeBurst(request) {
    const current = session;
    if (!(await cameraStart())) return "";
    // After a verified check, playback goes on if it was playing, or if a failed check had paused it.
    const resume = state === "locked" || (!video.paused && !video.ended);
    checkDetail = "";
    setState("checking");
    let frames;
    try {
      frames = await webcam.burst(camera, request.frames, {
        prompt: request.challenge
          ? () => {
            prompt.textContent = words[request.challenge] || words.turn_left;
            prompt.hidden = false;
          }
          : null,
      });
    } catch (error) {
      if (session === current) setState("studying");
      return "";
    }
    prompt.hidden = true;
    let accepted;
    try {
      accepted = await webcam.uploadBurst(sessionUrl("snapshot", current), frames, request.nonce);
    } catch (error) {
      if (session !== current) return "";
      if (error.code === "face_profile_missing") current.face_ready = false;
      // Refused (too late, a frame unusable) or not delivered: the server asks again soon.
      setState("studying", error.status ? Kaohe.errorMessage(error, words.error) : "");
      return "";
    }
    if (session !== current) return "";
    const decided = await decision(accepted.id, accepted.status);
    if (session !== current) return decided.decision || "";
    if (decided.decision === "verified") {
      checkDetail = words.verified;
      setState("studying");
      if (resume && video.paused && !video.ended) video.play().catch(() => {});
    } else {
      checkDetail = "";
      video.pause();
      setState("locked", decided.message || "");
    }
    return decided.decision || "";
  }

  // Ask for the check's result once it can be there: at once when the server decided it with the
  // upload, else after a second and then less and less often (1.5 times longer each time, at most
  // every 10 s, for 5 minutes). Polling every 0.5 s cost the server more than studying itself
  // (docs/performance.md, bench/study.py --poll); playback does not wait for the answer.
  async function decision(id, status) {
    const address = Kaohe.url(urls.snapshot_decision, { snapshot: id });
    let wait = status === "decided" ? 0 : 1000;
    for (let waited = 0; waited <= 300000; waited += wait, wait = Math.min(10000, Math.max(1000, wait * 1.5))) {
      if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
      const data = await Kaohe.api(address).catch(() => ({}));
      if (data.status === "decided") return data;
    }
    return {};
  }

  async function open() {
    try {
      session = await Kaohe.api(urls.sessions, { json: { lesson_id: lesson } });
    } catch (error) {
      setState("failed", Kaohe.errorMessage(error, words.error));
      return;
    }
    sequence = 0;
    playedSinceBeat = false;
    furthest = session.furthest;
    checkDetail = "";
    setState("studying");
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
    if (session.face_ready) {
      cameraStart();
      answer(session.evidence);
    }
  }

  // One beat in flight at a time, in order: a pause and the end of the video both beat at once,
  // and the second must see what the first did.
  let beating = Promise.resolve();
  function beat() {
    beating = beating.then(sendBeat, sendBeat);
    return beating;
  }

  // Resolves with null when the server took the beat, with its refusal (a Kaohe.ApiError) when
  // not, and with nothing when there is no session to beat for.
  async function sendBeat() {
    if (!session) return undefined;
    sequence += 1;
    const playing = playedSinceBeat || (!video.paused && !video.ended);
    playedSinceBeat = !video.paused && !video.ended;
    try {
      beaten(await Kaohe.api(sessionUrl("heartbeat", session), { json: beatBody(playing) }));
      return null;
    } catch (error) {
      if (playing) playedSinceBeat = true;
      beatRefused(error);
      return error;
    }
  }

  function beatBody(playing) {
    return { sequence: sequence, position: video.currentTime || 0, playing: playing };
  }

  function beaten(data) {
    furthest = Math.max(furthest, data.furthest);
    document.getElementById("watched").textContent = Math.round(data.watched_ratio * session.duration);
    document.getElementById("study-time").textContent = Math.round(data.study_seconds);
    if (data.lesson_complete) document.getElementById("lesson-state").textContent = words.complete;
    root.dataset.position = data.position;
    if (state === "failed") setState("studying");
    if (data.evidence) answer(data.evidence);
  }

  function beatRefused(error) {
    const code = error.code;
    if (code === "session_superseded" || code === "session_closed") {
      clearInterval(timer);
      video.pause();
      session = null;
      setState("superseded");
    } else if (code === "seek_forbidden") {
      video.currentTime = error.data.allowed_position;
      setState(state === "locked" ? "locked" : "studying", words.seek);
    } else if (code === "heartbeat_too_soon" || code === "heartbeat_out_of_order") {
      // Harmless: the next beat carries the position.
    } else {
      setState("failed", Kaohe.errorMessage(error, words.error));
    }
  }

  // The beat that reports the end must land before the session closes: one refused as too soon
  // after the last, or overtaken by a beat of the timer already on its way (out of order), is
  // sent again once the server will take it, with a higher sequence.
  async function finalBeat() {
    for (let attempt = 0; attempt < 3 && session; attempt += 1) {
      const refusal = await beat();
      if (!refusal || (refusal.code !== "heartbeat_too_soon" && refusal.code !== "heartbeat_out_of_order")) return;
      await new Promise((resolve) => setTimeout(resolve, session.heartbeat_seconds * 500));
    }
  }

  video.addEventListener("seeking", () => {
    if (session && session.forbid_seeking && video.currentTime > furthest + 1 && video.currentTime > (session.resume_position || 0) + 1) {
      video.currentTime = Math.max(furthest, session.resume_position || 0);
      setState(state === "locked" ? "locked" : "studying", words.seek);
    }
  });
  video.addEventListener("playing", () => {
    playedSinceBeat = true;
    if (state === "locked") video.pause();
  });
  video.addEventListener("play", () => {
    if (state === "locked") video.pause();
    else if (state === "complete") open();
  });
  // The lesson's last stretch needs verified evidence at its end to count: the beat that reports
  // the end makes the server ask for it; once answered, the session closes, which settles the
  // lesson and credits its hours.
  video.addEventListener("ended", async () => {
    if (!session) return;
    const current = session;
    clearInterval(timer); // from here the final beat reports the position; no timer beat races it
    await finalBeat();
    if (session !== current) return;
    if (answering) await answering.promise;
    if (session !== current) return;
    try {
      await Kaohe.api(sessionUrl("close", current), { json: {} });
    } catch (error) {
      // Not reached, the session stays open: leaving the page closes it. Refused, it is over.
      if (error.code === "network") return;
    }
    session = null;
    setState("complete");
  });
  video.addEventListener("timeupdate", () => {
    if (!video.paused) playedSinceBeat = true;
    // Continuous playback extends what may be sought back to.
    if (!video.seeking && video.currentTime <= furthest + 3) furthest = Math.max(furthest, video.currentTime);
  });
  video.addEventListener("pause", () => { if (session) beat(); });
  resumeHere.addEventListener("click", open);
  // keepalive: the page is going, the requests must outlive it.
  window.addEventListener("pagehide", () => {
    if (!session) return;
    sequence += 1;
    const ignore = () => {};
    Kaohe.api(sessionUrl("heartbeat", session), { json: beatBody(playedSinceBeat || !video.paused), keepalive: true }).catch(ignore);
    Kaohe.api(sessionUrl("close", session), { json: {}, keepalive: true }).catch(ignore);
  });
  show();
  open();
})();
