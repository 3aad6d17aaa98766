"""`fengqiao createtoken USERNAME [--name N] [--days D]`: issue a user an API token and print the key
(shown this once: only its hash is kept). `--revoke` revokes every live token of the user."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fengqiao.accounts import services
from fengqiao.accounts.models import User


class Command(BaseCommand):
    help = (
        "为用户签发接口令牌并打印(只显示一次);--revoke 撤销其全部令牌。Issue a user an API token."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="令牌用途")
        parser.add_argument("--days", type=int, default=None, help="有效期(天),默认 API_TOKEN_DAYS")
        parser.add_argument("--revoke", action="store_true", help="撤销该用户的全部令牌")

    def handle(self, *args, username, name="", days=None, revoke=False, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在:{username}")
        if revoke:
            count = services.token_revoke_all(actor=user, user=user)
            self.stdout.write(f"已撤销 {count} 个令牌" if count else "该用户没有有效的令牌")
            return
        try:
            _token, key = services.token_issue(actor=user, name=name, days=days)
        except ValidationError as exc:
            raise CommandError(";".join(exc.messages)) from exc
        self.stdout.write(key)
