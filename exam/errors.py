"""Every refusal of exam (banks, exams, sittings, attempts, proctoring, the exam room's protocol),
and every problem a bank file's row or a list of candidates' ID numbers can have, with its message
and HTTP status. The codes the exam room sends are exam.realtime.messages.ROOM_CODES and are
documented in docs/exam-protocol.md."""

from django.utils.translation import gettext_lazy as _

from kernel.errors import Catalogue, Refusal

ERRORS = Catalogue(
    "exam",
    {
        # the exam room's protocol (exam.realtime): no HTTP status, the status is the nearest one
        "not_authenticated": Refusal(_("Log in to enter the exam room."), 401),
        "sitting_not_found": Refusal(_("There is no such sitting."), 404),
        "binary_not_accepted": Refusal(_("The exam room accepts text messages only.")),
        "message_too_large": Refusal(_("This message is too large.")),
        "not_json": Refusal(_("This message is not valid JSON.")),
        "type_unknown": Refusal(_("This type of message is not known.")),
        "field_invalid": Refusal(_("A field of this message is missing or invalid.")),
        "clock_not_accepted": Refusal(_("The exam is timed by the server's clock: do not send times.")),
        "rate_limited": Refusal(_("Too many messages: slow down."), 429),
        "read_only": Refusal(_("This page only receives updates.")),
        # scores of practical and venue parts, pass lists (exam.services.results)
        "scores_locked": Refusal(_("The scores of this sitting are locked: they are final."), 409),
        "not_examiner": Refusal(_("Only an examiner of this sitting enters its scores."), 403),
        "part_not_in_exam": Refusal(_("This exam has no such part to score here."), 409),
        "score_out_of_range": Refusal(_("The score must be a number from 0 to %(max)s.")),
        "candidate_unknown": Refusal(_("No candidate of this sitting has this ticket or ID number.")),
        "duplicate_candidate_row": Refusal(_("This candidate appears earlier in this file, on line %(line)d.")),
        "score_columns_missing": Refusal(_("The header row needs 身份证号 (or 准考证号) and at least one score column.")),
        "nobody_passed": Refusal(_("Nobody has passed every part of this exam yet.")),
        "scores_not_locked": Refusal(_("Lock the scores before compiling the pass list: only final scores are listed."), 409),
        # attempts (exam.services.attempts, exam.models.attempts)
        "attempt_not_found": Refusal(_("There is no such attempt."), 404),
        "not_a_candidate": Refusal(_("You are not a candidate of this sitting."), 403),
        "attempt_exists": Refusal(_("You already have an attempt at this sitting."), 409),
        "attempt_move_illegal": Refusal(_("An attempt that is %(from)s cannot become %(to)s."), 409),
        "attempt_closed": Refusal(_("This attempt is not in progress."), 409),
        "attempt_expired": Refusal(_("The time for this exam is up."), 409),
        "sitting_not_open": Refusal(_("The sitting is not open now."), 409),
        "sitting_over": Refusal(_("This sitting is over."), 409),
        "question_not_on_paper": Refusal(_("This question is not on your paper.")),
        "option_invalid": Refusal(_("This question has no such option.")),
        "answer_invalid": Refusal(
            _(
                "Choose exactly one option for a single-choice or true-or-false question, and one or more "
                "different options for a multiple-choice question."
            )
        ),
        # proctoring (exam.services.proctoring)
        "identity_already_verified": Refusal(_("Your identity is already verified."), 409),
        "identity_referred": Refusal(
            _("The face checks failed too often: the proctor will check your identity."), 403
        ),
        "face_profile_missing": Refusal(
            _(
                "Give consent and enrol your reference photos (Face verification) before the exam, or ask the "
                "proctor."
            ),
            403,
        ),
        "event_unknown": Refusal(_("This proctoring event is not known.")),
        "not_proctor": Refusal(_("Only this sitting's proctors can do this."), 403),
        "note_required": Refusal(_("Say how you checked the candidate's identity.")),
        "warning_empty": Refusal(_("Write the warning.")),
        "reason_required": Refusal(_("Give the reason for ending the attempt.")),
        # question banks (exam.services.bank): a question, and each row of an imported file
        "not_bank_manager": Refusal(_("Only an authority's reviewers can manage question banks."), 403),
        "columns_missing": Refusal(_("The header row lacks these columns: %(columns)s.")),
        "file_has_no_rows": Refusal(_("The file has a header row but no question rows.")),
        "type_invalid": Refusal(_("The question type must be 单选, 多选 or 判断.")),
        "stem_missing": Refusal(_("The stem (题干) is missing.")),
        "stem_too_long": Refusal(_("The stem has at most %(count)d characters.")),
        "topic_too_long": Refusal(_("The topic has at most %(count)d characters.")),
        "explanation_too_long": Refusal(_("The explanation has at most %(count)d characters.")),
        "options_missing": Refusal(_("A choice question needs at least two options, none of them blank.")),
        "options_gap": Refusal(_("Options must be filled in from A onwards, without gaps.")),
        "options_duplicate": Refusal(_("Two options have the same text.")),
        "option_too_long": Refusal(_("An option has at most %(count)d characters.")),
        "true_false_answer_invalid": Refusal(_("The answer of a true-or-false question is 对 or 错.")),
        "single_answer_invalid": Refusal(_("A single-choice question has exactly one right option.")),
        "multiple_answer_invalid": Refusal(_("A multiple-choice question has at least two right options.")),
        "answer_letters_invalid": Refusal(_("The answer is the letters of the right options, such as A or ACD.")),
        "answer_not_an_option": Refusal(_("The answer names options that are not filled in: %(letters)s.")),
        "duplicate_question": Refusal(_("The same question appears earlier in this file, on line %(line)d.")),
        "question_in_bank": Refusal(_("This question is already in the bank.")),
        # exams (exam.services.exams, exam.services.papers)
        "not_exam_manager": Refusal(_("Only an authority's reviewers can manage exams."), 403),
        "title_missing": Refusal(_("The exam needs a title.")),
        "title_too_long": Refusal(_("A title has at most %(count)d characters.")),
        "duration_invalid": Refusal(_("The duration is between 1 and %(max)d minutes.")),
        "points_invalid": Refusal(_("Points cannot be negative.")),
        "pass_mark_invalid": Refusal(_("The pass mark cannot be negative.")),
        "blueprint_empty": Refusal(_("This exam has no blueprint: say how many questions of each type it has.")),
        "count_invalid": Refusal(_("Each blueprint row has between 1 and %(max)d questions.")),
        "pass_mark_too_high": Refusal(_("The pass mark %(pass_mark)s is more than the paper's %(max_score)s points.")),
        # Saving an exam raises one sentence per blueprint row the bank cannot fill, in its place.
        "bank_too_small": Refusal(
            _("The question bank has only %(available)d questions of type %(kind)s%(topic)s; the exam needs %(count)d."),
            409,
        ),
        "exam_in_use": Refusal(
            _(
                "Candidates have already sat this exam, so its rules and blueprint can no longer change; create a "
                "new exam instead."
            ),
            409,
        ),
        "paper_mismatch": Refusal(_("Drawn again from its seed, this paper does not come out the same."), 409),
        # applications and admission tickets (exam.services.applications)
        "application_move_illegal": Refusal(_("An application that is %(from)s cannot become %(to)s."), 409),
        "application_not_found": Refusal(_("There is no such application."), 404),
        "not_a_person": Refusal(_("Only a registered person can apply for an exam."), 403),
        "credential_invalid": Refusal(_("Choose the kind of exam.")),
        "no_employer": Refusal(_("You have no current employer: an application through an enterprise needs one.")),
        "application_exists": Refusal(_("You already have an application for this kind of exam."), 409),
        "sitting_not_open_for_applications": Refusal(_("This sitting does not take applications."), 409),
        "applications_closed": Refusal(_("Applications for this sitting have closed."), 409),
        "sitting_full": Refusal(_("This sitting is full."), 409),
        "sitting_wrong_kind": Refusal(_("This sitting is not an exam of the application's kind.")),
        "sitting_out_of_region": Refusal(_("This sitting is held by an authority of another region.")),
        "sitting_required": Refusal(_("Choose the sitting period.")),
        "handler_name_required": Refusal(_("Enter the handler's name.")),
        "handler_mobile_invalid": Refusal(_("Enter the handler's 11-digit mobile number.")),
        "insurance_proof_required": Refusal(
            _("The platform has no social-insurance record for this month or the last: upload the proof (参保证明).")
        ),
        "proof_too_large": Refusal(_("The proof is at most %(mb)d MB.")),
        "proof_type_invalid": Refusal(_("The proof must be a PDF file or a JPEG or PNG image.")),
        "not_application_enterprise": Refusal(_("Only the enterprise of this application can verify it."), 403),
        "not_application_reviewer": Refusal(_("Only an authority of this application's region can review it."), 403),
        "ticket_printed": Refusal(
            _("The admission ticket has already been printed: the application can no longer be withdrawn or cancelled."),
            409,
        ),
        "ticket_not_ready": Refusal(_("There is no admission ticket yet: the application is not approved."), 409),
        "ticket_invalid": Refusal(_("This admission ticket is not valid: its code is forged or altered."), 400),
        "ticket_unknown": Refusal(_("No admission ticket has this number."), 404),
        "ticket_other_sitting": Refusal(_("This admission ticket is not for a sitting you proctor."), 403),
        "too_many_applications": Refusal(_("Approve at most %(count)d applications at a time.")),
        "id_photo_not_reviewed": Refusal(
            _("Your ID photo has not passed the real-name review yet, so it cannot be used to check your identity."),
            403,
        ),
        # the Qinghai path (003): the institution, the social-insurance check, exam plans
        # (exam.services.applications, exam.services.plans)
        "not_application_institution": Refusal(_("Only the training institution of this application can review it."), 403),
        "not_institution_path": Refusal(_("This application is not made through a training institution."), 409),
        "plan_not_found": Refusal(_("There is no such exam plan."), 404),
        "plan_move_illegal": Refusal(_("An exam plan that is %(from)s cannot become %(to)s."), 409),
        "not_plan_institution": Refusal(_("Only the staff of the plan's training institution can change it."), 403),
        "not_plan_reviewer": Refusal(_("Only an authority covering the institution's region can decide on this plan."), 403),
        "plan_not_editable": Refusal(_("This exam plan has been submitted: it can be changed only when returned."), 409),
        "plan_empty": Refusal(_("Put at least one candidate in the exam plan."), 409),
        "plan_venue_required": Refusal(_("Enter the venue of the exam.")),
        "plan_exam_invalid": Refusal(_("Choose the exam.")),
        "plan_time_invalid": Refusal(_("Enter the start and end time of the exam.")),
        "plan_in_past": Refusal(_("The exam time of this plan has passed: return it so that the institution sets a new time."), 409),
        "plan_application_invalid": Refusal(
            _(
                "Application #%(id)s cannot be put in this plan: it must be made to this institution, for the "
                "plan's kind of exam, checked for social insurance and in no other plan."
            ),
            409,
        ),
        "plan_candidate_ineligible": Refusal(_("The candidate of application #%(id)s is no longer eligible: %(reasons)s"), 409),
        "plan_authority_missing": Refusal(_("No authority you review for covers the institution's region."), 409),
        # eligibility (exam.rules.admission): each names its rule
        "age_out_of_range": Refusal(_("Candidates for this exam are 18 to 60 years old; you are %(age)d.")),
        "education_insufficient": Refusal(
            _("This exam requires at least senior secondary education or a junior professional title.")
        ),
        "not_employed": Refusal(_("You must be currently employed by a construction enterprise.")),
        "not_employed_by_enterprise": Refusal(_("The candidate is not currently employed by %(enterprise)s.")),
        "employed_outside_region": Refusal(_("Your employer is not in the region of %(authority)s, which holds this sitting: apply for a sitting of your employer's region.")),
        "safety_training_missing": Refusal(
            _(
                "The employer %(enterprise)s has not recorded that you passed its annual safety education and "
                "training (企业年度安全生产教育培训) in the last twelve months."
            )
        ),
        "management_too_short": Refusal(
            _("This exam requires two years in construction management; yours reach two years on %(date)s.")
        ),
        "hours_short": Refusal(_("This sitting requires %(required)s credit hours; you have %(hours)s.")),
        "certificate_held": Refusal(_("You already hold a valid certificate of this kind (%(number)s).")),
        "sitting_overlap": Refusal(_("You have another application for a sitting at an overlapping time.")),
        "candidate_not_employed": Refusal(_("This person is not currently employed by any enterprise.")),
        "employed_elsewhere": Refusal(_("This person works for an enterprise outside this authority's region.")),
        # sittings and their candidates (exam.services.sittings); an ID number the list skips keeps
        # the kernel's validator code, or one of these
        "not_sitting_manager": Refusal(_("Only the reviewers of the sitting's authority can manage it."), 403),
        "authority_invalid": Refusal(_("A sitting is held by an authority.")),
        "institution_invalid": Refusal(_("Choose a training institution.")),
        "institution_out_of_region": Refusal(_("%(institution)s is not in the region of %(authority)s.")),
        "sitting_window_invalid": Refusal(_("A sitting ends after it starts.")),
        "sitting_window_too_short": Refusal(_("The sitting is shorter than the exam's %(minutes)d minutes.")),
        "sitting_in_past": Refusal(_("This sitting would already be over.")),
        "venue_too_long": Refusal(_("The venue has at most %(count)d characters.")),
        "id_numbers_missing": Refusal(_("Enter at least one ID number.")),
        "too_many_id_numbers": Refusal(_("Add at most %(count)d ID numbers at a time.")),
        "duplicate_in_list": Refusal(_("This ID number appears earlier in the list.")),
        "person_unknown": Refusal(_("Nobody is registered with this ID number.")),
        "already_candidate": Refusal(_("This person is already a candidate of this sitting.")),
        "candidate_not_found": Refusal(_("This person is not a candidate of this sitting."), 404),
        "candidate_has_attempt": Refusal(
            _("This candidate has already begun an attempt and stays on the sitting."), 409
        ),
        # the audit portal (exam.web.views.audit) and reviews and appeals (exam.services.reviews)
        "audit_reviewers_only": Refusal(_("The audit portal is for authority reviewers."), 403),
        "review_move_illegal": Refusal(_("A review that is %(from)s cannot become %(to)s."), 409),
        "review_not_found": Refusal(_("There is no such review."), 404),
        "flag_not_found": Refusal(_("There is no such refusal or incident to review."), 404),
        "flag_not_a_refusal": Refusal(_("Only a check that did not verify can be reviewed."), 409),
        "void_not_for_study": Refusal(_("Only an exam incident can void an attempt.")),
        "revoke_not_credited": Refusal(_("Only study time that was credited (a verified check) can have its hours revoked."), 409),
        "review_other_kind": Refusal(_("This check is already under review as %(kind)s."), 409),
        "review_outcome_invalid": Refusal(_("Choose to uphold or dismiss.")),
        "second_reviewer_required": Refusal(
            _("Voiding an attempt needs a second reviewer: someone other than the one who proposed it."), 403
        ),
        "appeal_not_allowed": Refusal(_("Only a decision against you can be appealed, and only once."), 409),
        "appeal_window_closed": Refusal(_("The time to appeal this decision (%(days)s days) has passed."), 409),
        "appeal_statement_required": Refusal(_("Say why you appeal, in at most 2000 characters.")),
        "appeal_attachment_too_large": Refusal(_("The attachment may be at most %(megabytes)s MB.")),
        "appeal_same_reviewer": Refusal(
            _("An appeal is decided by a reviewer who took no part in the decision appealed."), 403
        ),
    },
)
