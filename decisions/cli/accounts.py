"""Offices and users."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from decisions.cli.base import JsonOpt, app, run

office_app = typer.Typer(no_args_is_help=True, help="决策机关与部门 / offices")


user_app = typer.Typer(no_args_is_help=True, help="用户与角色 / users")


app.add_typer(office_app, name="office")


app.add_typer(user_app, name="user")


@office_app.command("add")
def office_add(code: str, name: Annotated[str, typer.Option("--name")],
               level: Annotated[str, typer.Option("--level")],
               parent: Annotated[str | None, typer.Option("--parent")] = None,
               profile: Annotated[str | None, typer.Option("--profile")] = None,
               as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """添加单位 / add an office."""
    from decisions.accounts import service as directory

    run(lambda: directory.add_office(code, name, level, parent, profile, as_user), json_,
         lambda r: f"已添加单位 / office added: {r['code']} {r['name']} ({r['level']}, {r['profile']})")


@user_app.command("add")
def user_add(username: str, name: Annotated[str, typer.Option("--name")],
             office: Annotated[str, typer.Option("--office")],
             role: Annotated[list[str], typer.Option("--role")],
             password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
             as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """添加用户 / add a user (password from stdin, hashed with argon2id)."""
    from decisions.accounts import service as directory

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    run(lambda: directory.add_user(username, name, office, role, password, as_user), json_,
         lambda r: f"已添加用户 / user added: {r['username']} ({', '.join(r['roles'])}) @ {r['office']}")


@user_app.command("unlock")
def user_unlock(username: str, as_user: Annotated[str | None, typer.Option("--as")] = None,
                json_: JsonOpt = False) -> None:
    """解除账户锁定 / unlock an account locked after repeated failed logins (admin)."""
    from decisions.accounts import service as directory

    run(lambda: directory.unlock_user(username, as_user), json_,
         lambda r: f"已解锁 / unlocked: {r['username']}" + ("" if r["was_locked"] else "（未锁定 / was not locked）"))


@user_app.command("link-sso")
def user_link_sso(username: str, issuer: Annotated[str, typer.Option("--issuer")],
                  subject: Annotated[str, typer.Option("--subject")],
                  as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """绑定单点登录身份（签发方 + 主体）/ bind an OIDC identity (issuer + subject) to a user (admin)."""
    from decisions.accounts import service as directory

    run(lambda: directory.link_identity(username, issuer, subject, as_user), json_,
        lambda r: f"已绑定 / bound: {r['username']} ← {r['issuer']} {r['subject']}")


@user_app.command("passwd")
def user_passwd(username: str, password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
                as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """修改密码 / set a user's password (argon2id; at least 12 characters, not all digits; from stdin or a prompt)."""
    from decisions.accounts import service as directory

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("新密码 / new password", hide_input=True, confirmation_prompt=True)
    run(lambda: directory.set_password(username, password, as_user), json_,
        lambda r: f"已修改密码 / password set: {r['username']}")


@user_app.command("disable")
def user_disable(username: str, as_user: Annotated[str | None, typer.Option("--as")] = None,
                 json_: JsonOpt = False) -> None:
    """停用用户 / disable a user: no sign-in, no action (kept in the record) (admin)."""
    from decisions.accounts import service as directory

    run(lambda: directory.disable_user(username, as_user), json_,
        lambda r: f"已停用 / disabled: {r['username']}" + ("" if r["was_active"] else "（原已停用 / was already disabled）"))


@user_app.command("enable")
def user_enable(username: str, as_user: Annotated[str | None, typer.Option("--as")] = None,
                json_: JsonOpt = False) -> None:
    """启用用户 / enable a disabled user again (admin)."""
    from decisions.accounts import service as directory

    run(lambda: directory.enable_user(username, as_user), json_,
        lambda r: f"已启用 / enabled: {r['username']}" + ("（原已启用 / was already enabled）" if r["was_active"] else ""))


@user_app.command("roles")
def user_roles(username: str, role: Annotated[list[str], typer.Option("--role")],
               as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """设置用户角色（替换原有角色）/ set a user's roles, replacing the old ones (admin)."""
    from decisions.accounts import service as directory

    run(lambda: directory.set_roles(username, role, as_user), json_,
        lambda r: f"已设置角色 / roles set: {r['username']} ({', '.join(r['roles'])})")


@user_app.command("list")
def user_list(role: Annotated[str | None, typer.Option("--role")] = None,
              as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """用户一览 / list users with office, roles and status (admin)."""
    from decisions.accounts import service as directory

    def human(rows: list[dict]) -> str:
        return "\n".join(f"{u['username']}\t{u['name']}\t{u['office']}\t{','.join(u['roles'])}\t"
                         f"{'active' if u['active'] else 'disabled'}{' locked' if u['locked'] else ''}" for u in rows)

    run(lambda: directory.list_users(role=role, as_user=as_user), json_, human)
