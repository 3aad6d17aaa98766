"""`fengqiao createtoken USERNAME`: issue (or rotate) a user's API token and print the key."""

from django.core.management.base import BaseCommand, CommandError

from fengqiao.accounts.api import token_issue, token_revoke
from fengqiao.accounts.models import User


class Command(BaseCommand):
    help = "为用户签发(或更换)接口令牌并打印;--revoke 撤销。Issue or rotate a user's API token."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="撤销该用户的令牌")

    def handle(self, *args, username, revoke=False, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在:{username}")
        if revoke:
            done = token_revoke(actor=user)
            self.stdout.write("令牌已撤销" if done else "该用户没有令牌")
            return
        if not user.is_active:
            raise CommandError(f"用户已停用:{username}")
        token = token_issue(actor=user)
        self.stdout.write(token.key)
