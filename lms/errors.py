"""Every refusal of lms (people, organisations, employment), with its message and HTTP status."""

from django.utils.translation import gettext_lazy as _

from kernel.errors import Catalogue, Refusal

ERRORS = Catalogue(
    "lms",
    {
        # people (lms.services.people)
        "real_name_format": Refusal(_("Enter your real name as it is printed on your ID card.")),
        "education_invalid": Refusal(_("Choose your education level.")),
        "title_invalid": Refusal(_("Choose your professional title.")),
        "id_number_taken": Refusal(_("This ID number is already registered.")),
        "mobile_taken": Refusal(_("This mobile number is already registered.")),
        # Another registration won the race for the same ID number or mobile: which one is not known.
        "id_number_or_mobile_taken": Refusal(_("This ID number or mobile number is already registered.")),
        # Never shown to an anonymous visitor (registration_submit answers the same either way).
        "registration_throttled": Refusal(
            _("Too many registrations from this network: try again in an hour."), 429
        ),
        # The message raised is Django's password validators' own list of what is wrong.
        "password_weak": Refusal(_("This password is too weak.")),
        # logins (lms.services.login)
        "account_locked": Refusal(
            _(
                "This account is locked after too many wrong passwords. Unlock it with a code sent to your "
                "registered mobile, or ask the housing and construction authority that reviews your registration."
            ),
            403,
        ),
        "login_wait": Refusal(_("Too many wrong passwords: wait %(seconds)d seconds and try again."), 429),
        "login_address_throttled": Refusal(
            _("Too many failed logins from this network: try again in %(minutes)d minutes."), 429
        ),
        "unlock_not_allowed": Refusal(_("Only the authority that oversees this person can unlock the login."), 403),
        "unlock_code_wrong": Refusal(_("The code is wrong or has expired; ask for a new one.")),
        "id_photo_exists": Refusal(_("An ID photo is already on file.")),
        # the personal archive and the real-name review (lms.services.archive)
        "document_kind_invalid": Refusal(_("Choose which document this is.")),
        "document_empty": Refusal(_("Choose a file to upload.")),
        "document_too_large": Refusal(_("A document is at most %(mb)d MB.")),
        "document_type_invalid": Refusal(_("A document must be a PDF file or a JPEG or PNG image.")),
        "archive_locked": Refusal(
            _("An authority has reviewed your application: the archive can no longer be changed. Ask for a change request."),
            409,
        ),
        "management_since_future": Refusal(_("The start of your construction management work cannot be in the future.")),
        "id_photo_not_pending": Refusal(_("This ID photo is not waiting for review."), 409),
        "id_photo_person_not_found": Refusal(_("There is no such person."), 404),
        # organisations and regions (lms.services.organisations)
        "region_code_format": Refusal(_("A division code has 6 digits.")),
        "region_level_invalid": Refusal(_("Choose a region level.")),
        "organisation_kind_invalid": Refusal(_("Choose a kind of organisation.")),
        "name_required": Refusal(_("Enter the organisation's name.")),
        "credit_code_required": Refusal(_("An enterprise needs its unified social credit code.")),
        "credit_code_taken": Refusal(_("An organisation with this unified social credit code already exists.")),
        "role_not_for_organisation": Refusal(_("This role cannot be given in this kind of organisation.")),
        # employment (lms.services.employment)
        "not_enterprise_admin": Refusal(_("Only this enterprise's administrators can manage its employees."), 403),
        "not_an_enterprise": Refusal(_("People can only be employed by an enterprise.")),
        "person_not_found": Refusal(
            _("No registered person has this name and ID number. The person must register first.")
        ),
        "already_employed": Refusal(_("This person is already an employee of this enterprise.")),
        "employment_overlap": Refusal(
            _(
                "This employment would overlap the one at %(enterprise)s; a new employment must start after "
                "the earlier one has ended."
            )
        ),
        "start_date_future": Refusal(_("The start date cannot be in the future.")),
        "employment_already_ended": Refusal(_("This employment has already ended.")),
        "end_before_start": Refusal(_("The end date cannot be before the start date.")),
        "end_date_future": Refusal(_("The end date cannot be in the future.")),
        # the enterprise's annual safety training (lms.services.safety_training)
        "training_date_invalid": Refusal(
            _("Enter the date the training was passed: a day of the last twelve months, not in the future.")
        ),
        "training_nobody": Refusal(_("Choose at least one employee.")),
        "training_too_many": Refusal(_("At most %(count)s employees can be recorded at once.")),
        "training_not_employee": Refusal(
            _("%(name)s is not a current employee of this enterprise: only current employees can be recorded.")
        ),
        # invitations and personnel change requests (lms.services.employment)
        "employment_request_exists": Refusal(
            _("An invitation of this enterprise to this person is already waiting for an answer."), 409
        ),
        "start_in_earlier_employment": Refusal(
            _("The start date falls within an earlier employment of this person; choose a later start date.")
        ),
        "employment_request_not_yours": Refusal(_("Only the invited person can answer this invitation."), 403),
        "not_change_reviewer": Refusal(
            _("Only a reviewer of an authority covering the new enterprise's region can decide this change request."),
            403,
        ),
        "employment_request_move_illegal": Refusal(
            _("This request can no longer be changed: it is already “%(from)s”."), 409
        ),
        "employment_changed": Refusal(
            _("The person's employment has changed since they confirmed; the enterprise must invite them again."), 409
        ),
        "change_before_current_start": Refusal(
            _(
                "The new employment must start after the current one at %(enterprise)s began; the enterprise must "
                "invite again with a later start date."
            )
        ),
        # the WebSocket health check (lms.realtime.consumers)
        "unknown_type": Refusal(_("This type of message is not known.")),
    },
)
