"""The exam app's API under /api/exam/: the room's camera and video (room), applications and
admission tickets (applications), and the Qinghai path's exam plans (plans). Every read goes
through the acting user's scope: another tenant's id is a 404 with code `application_not_found`
or `plan_not_found`, exactly as on the pages."""

from ninja import Router

from . import applications, plans, room

router = Router()
router.add_router("", room.router)
router.add_router("", applications.router)
router.add_router("", plans.router)
