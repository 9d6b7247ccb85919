from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ..errors import ERRORS


class PingConsumer(AsyncJsonWebsocketConsumer):
    """A health check for the WebSocket path: answers `ping` with `pong` for a logged-in user.
    Deployments and tests use it to prove that the ASGI server, the session and the channel
    layer work together before any exam depends on them."""

    async def connect(self):
        if not self.scope["user"].is_authenticated:
            await self.close(code=4401)
            return
        self.group = f"ping.user.{self.scope['user'].pk}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            # Through the group, so the reply proves the channel layer round trip.
            await self.channel_layer.group_send(self.group, {"type": "pong.message"})
        else:
            await self.send_json({"type": "error", "code": "unknown_type", "message": ERRORS.message("unknown_type")})

    async def pong_message(self, event):
        await self.send_json({"type": "pong"})
