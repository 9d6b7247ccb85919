"""Every refusal of hours (study, credit, offline batches, adjustments, certificates), and every
problem an offline batch's row can have, with its message and HTTP status."""

from django.utils.translation import gettext_lazy as _

from kernel.errors import Catalogue, Refusal

ERRORS = Catalogue(
    "hours",
    {
        # enrolment and assignment (hours.services.study, hours.api)
        "course_not_found": Refusal(_("This course is not available."), 404),
        "not_enterprise_admin": Refusal(_("Only this enterprise's administrators can assign courses."), 403),
        "no_people": Refusal(_("Choose at least one employee.")),
        # Never says which: ids of people the enterprise may not see are not found either.
        "not_an_employee": Refusal(_("Some of these people are not your employees."), 404),
        # study sessions and heartbeats (hours.services.study, hours.models.study)
        "lesson_not_found": Refusal(_("This lesson is not available."), 404),
        "not_enrolled": Refusal(_("Enrol in the course before studying its lessons."), 403),
        "session_not_found": Refusal(_("This study session does not exist."), 404),
        "session_superseded": Refusal(
            _("You are studying in another window or device; this one has been paused."), 409
        ),
        "session_closed": Refusal(_("This study session has ended; reload the page to go on."), 409),
        "position_invalid": Refusal(_("The playback position is not possible.")),
        "heartbeat_out_of_order": Refusal(_("This heartbeat is older than the last one."), 409),
        "heartbeat_too_soon": Refusal(_("Heartbeats are arriving too fast."), 429),
        "seek_forbidden": Refusal(_("You cannot skip ahead of what you have watched."), 409),
        # the credential a study is for (hours.services.study, hours.services.credit)
        "credential_choice_required": Refusal(
            _("This course serves several credentials: choose the one your study is for.")
        ),
        "hours_entry_not_found": Refusal(_("These credit hours do not exist."), 404),
        "hours_already_reassigned": Refusal(_("These hours have already been reassigned once."), 409),
        "hours_credential_held": Refusal(
            _("These hours are credited to a certificate you hold; they stay there."), 409
        ),
        "credential_not_held": Refusal(_("You can move these hours only to a certificate you hold."), 409),
        # study snapshots (hours.services.credit)
        # offline batches: the file (hours.services.offline)
        "pass_list_not_found": Refusal(_("This pass list does not exist."), 404),
        "not_institution_staff": Refusal(_("Only this institution's staff can upload its training batches."), 403),
        "columns_missing": Refusal(_("The header row lacks these columns: %(columns)s.")),
        "file_has_no_rows": Refusal(_("The file has a header row but no training rows.")),
        "batch_already_uploaded": Refusal(
            _("This file was already uploaded and is waiting for or has approval."), 409
        ),
        "not_batch_authority": Refusal(_("Only an authority of this batch's region can decide on it."), 403),
        "batch_already_decided": Refusal(_("This batch has already been decided."), 409),
        "batch_has_no_valid_rows": Refusal(_("This batch has no valid row: reject it with a reason instead.")),
        # offline batches: the problems of one row, reported with the batch
        "id_number_invalid": Refusal(_("This ID number is not valid.")),
        "person_unknown": Refusal(_("Nobody is registered on the platform with this ID number.")),
        "name_mismatch": Refusal(_("The name does not match the person registered with this ID number.")),
        "not_employed_in_region": Refusal(
            _("This person is not currently employed by an enterprise in the batch's region.")
        ),
        "course_unknown": Refusal(_("No published course of this institution has this title or number.")),
        "credential_unknown": Refusal(_("There is no credential with this code.")),
        "credential_missing": Refusal(
            _("Give the credential: this course does not name the credentials it serves.")
        ),
        "credential_not_served": Refusal(_("This course does not serve this credential.")),
        "category_invalid": Refusal(_("The category must be 专业岗位知识 (professional) or 通用 (general).")),
        "hours_invalid": Refusal(
            _("Hours must be a number above 0 and at most %(max)s, with at most two decimals.")
        ),
        "date_invalid": Refusal(_("The date must be written as YYYY-MM-DD.")),
        "date_in_future": Refusal(_("The date is in the future.")),
        "duplicate_row": Refusal(_("The same row appears earlier in this file, on line %(line)d.")),
        "hours_already_approved": Refusal(_("These hours were already approved in an earlier batch.")),
        # adjustments by an authority (hours.services.offline.hours_adjust)
        "not_overseeing_authority": Refusal(
            _("Only an authority overseeing this person can adjust their hours."), 403
        ),
        "credential_required": Refusal(_("Choose a credential.")),
        "adjustment_hours_invalid": Refusal(
            _("An adjustment is a number of hours other than 0, at most %(max)s either way, with at most two decimals.")
        ),
        "hours_below_zero": Refusal(
            _("This person holds only %(held)s hours of this kind; an adjustment cannot take away more.")
        ),
        # certificates (hours.services.certificates, hours.models.certificates, hours.web)
        "not_authority_reviewer": Refusal(_("Only this authority's reviewers can issue its certificates."), 403),
        "authority_required": Refusal(_("Choose the issuing authority.")),
        "issue_date_invalid": Refusal(_("Enter the issue date as YYYY-MM-DD.")),
        "pass_list_empty": Refusal(_("The list of people who passed is empty.")),
        "pass_list_too_long": Refusal(_("A list may hold at most %(count)d people.")),
        "certificate_not_found": Refusal(_("This certificate does not exist."), 404),
        "certificate_move_illegal": Refusal(_("A certificate that is %(from)s cannot become %(to)s."), 409),
        "extension_not_later": Refusal(_("An extension must move the expiry date later."), 409),
        "expiry_change_not_extension": Refusal(_("Only an extension changes the expiry date."), 409),
        "certificate_not_valid": Refusal(_("Only a valid certificate can be extended."), 409),
        # institution-issued and open-ended certificates (the scheme's issued_by and open_ended)
        "certificate_issued_by_institution": Refusal(
            _("Under this credential's scheme the training institution that examined the candidates issues the certificates, not the authority."), 409
        ),
        "certificate_issued_by_authority": Refusal(
            _("Under this credential's scheme the authority issues the certificates, not the training institution."), 409
        ),
        "pass_list_not_found": Refusal(_("This pass list does not exist."), 404),
        "extension_not_applicable": Refusal(
            _("This certificate has no end of validity, so there is nothing to extend: keep up its yearly hours."), 409
        ),
        "extension_pending": Refusal(_("An extension request for this certificate is already waiting."), 409),
        # The message raised is the standing's own explanation of what is missing, where there is one.
        "hours_not_met": Refusal(_("The required hours are not met.")),
        # pass lists (hours.services.passes)
        "pass_list_exists": Refusal(
            _("A pass list of this sitting is already waiting for or has the province's confirmation."), 409
        ),
        "pass_list_move_illegal": Refusal(_("A pass list that is %(from)s cannot become %(to)s."), 409),
        "not_confirming_authority": Refusal(
            _("Only the provincial authority above the compiling authority confirms or returns its pass list."), 403
        ),
        "pass_list_not_confirmed": Refusal(_("Certificates are issued only from a pass list the province has confirmed."), 409),
        "extension_not_found": Refusal(_("This extension request does not exist."), 404),
        "extension_decided": Refusal(_("This extension request has already been decided."), 409),
        # old certificates registered by enterprises and their exchange (hours.services.legacy, 换证)
        "legacy_not_found": Refusal(_("This old certificate record does not exist."), 404),
        "legacy_not_enterprise_admin": Refusal(
            _("Only this enterprise's administrators can register its employees' old certificates."), 403
        ),
        "legacy_move_illegal": Refusal(_("An old certificate record that is %(from)s cannot become %(to)s."), 409),
        "legacy_number_invalid": Refusal(_("Enter the certificate number as printed, at most 32 characters.")),
        "legacy_issuer_required": Refusal(_("Enter the issuing authority as printed on the certificate, at most 100 characters.")),
        "legacy_dates_invalid": Refusal(_("The expiry date must be later than the issue date.")),
        "legacy_issued_in_future": Refusal(_("The issue date cannot be later than today.")),
        "legacy_duplicate": Refusal(_("Certificate %(number)s of this credential is already registered."), 409),
        "legacy_register_other_holder": Refusal(
            _("Certificate %(number)s is in the platform's register under another person: check the number and the employee."), 409
        ),
        "legacy_register_other_credential": Refusal(
            _("Certificate %(number)s is in the platform's register as a certificate of %(credential)s, not of the credential chosen."), 409
        ),
        "legacy_register_dates_differ": Refusal(
            _("Certificate %(number)s is in the platform's register issued on %(issued)s and valid until %(expires)s: the dates entered differ."), 409
        ),
        "legacy_no_authority": Refusal(_("You review for no authority covering this enterprise's region."), 403),
        "legacy_not_confirmed": Refusal(
            _("This old certificate has not been confirmed by the authority yet: it can be exchanged once it is."), 409
        ),
        "legacy_rejected": Refusal(_("This old certificate record was rejected: it cannot be exchanged."), 409),
        "legacy_already_exchanged": Refusal(
            _("This old certificate has already been exchanged for an electronic certificate."), 409
        ),
        "legacy_in_register": Refusal(
            _("This certificate is already an electronic certificate of the platform: there is nothing to exchange."), 409
        ),
        # The message raised is the issuing service's reason for skipping the holder.
        "legacy_exchange_refused": Refusal(_("The electronic certificate cannot be issued."), 409),
        # the issuer's electronic seal on certificate PDFs and hours statements (hours.services.seal)
        "seal_key_missing": Refusal(
            _("No certificate seal key is configured: set CERTIFICATE_SEAL_KEY_FILE and CERTIFICATE_SEAL_CERT_FILE."),
            503,
        ),
        "seal_key_invalid": Refusal(_("The certificate seal key or certificate cannot be used: %(error)s"), 503),
    },
)
