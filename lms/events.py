"""Domain events that apps higher up (cms, hours) react to. They are sent explicitly by services,
never from model save signals, and inside the service's transaction: what a receiver creates
(an institution's catalogue and editors' group) exists exactly when the thing it belongs to does."""

from django.dispatch import Signal

# institution: Organisation
institution_created = Signal()
# membership: Membership
membership_granted = Signal()
