"""The people app's domain events, for the apps above it (cms gives an institution its catalogue).
Published through kernel.events: recorded with the change, delivered after commit."""

# institution_id
INSTITUTION_CREATED = "lms.institution_created"
# membership_id, user_id, organisation_id, role
MEMBERSHIP_GRANTED = "lms.membership_granted"
