"""The owners' `/admin status` display and the backup line `/about` shows them."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.models.ops import BackupState, OpsStatus
from bot.ui.meta import ACCENT


def when(moment: datetime) -> str:
    """A Discord timestamp: each reader sees it in their own time zone, with "3 hours ago"."""
    return f"<t:{int(moment.timestamp())}:f> (<t:{int(moment.timestamp())}:R>)"


def size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} MB"
    return f"{count / 1e3:.1f} kB"


def duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def backup_line(state: BackupState) -> str:
    """`Last backup: … (12.3 MB, to /data/backups/…)`, and a failing daily backup."""
    if state.last is None:
        text = "Last backup: none yet"
    else:
        last = state.last
        text = f"Last backup: {when(last.finished_at)}, {size(last.size)} → `{last.path}`"
    if state.folder is None:
        text += "\n-# Daily backups are off (set BACKUP_DIR)."
    else:
        text += f"\n-# Daily into `{state.folder}`, keeping {state.keep}."
    if state.error is not None:
        at = f" {when(state.error_at)}" if state.error_at else ""
        text += f"\n⚠️ The daily backup failed{at}: {state.error}"
    return text


def status_view(status: OpsStatus) -> discord.ui.LayoutView:
    latency = f"{status.latency * 1000:.0f} ms" if status.latency is not None else "not measured yet"
    body = [
        f"## bookclub-bot {status.version}",
        f"Up for {duration((status.now - status.started_at).total_seconds())} (since {when(status.started_at)})",
        f"Servers: {status.guilds:,} · gateway latency: {latency}",
        (
            f"Database: `{status.database_path}`, {size(status.database_size)}"
            if status.database_size is not None
            else f"Database: PostgreSQL `{status.database_path}` (backups: pg_dump)"
        ),
        backup_line(status.backups),
    ]
    jobs = [f"**Scheduled jobs** ({status.job_count})"]
    jobs += [
        f"- {job.name}: {when(job.next_run) if job.next_run is not None else 'paused'}" for job in status.jobs
    ] or ["- none"]
    breakers = ["**Book providers**"]
    breakers += [f"- {name}: {state}" for name, state in sorted(status.breakers.items())] or [
        "- none configured"
    ]
    errors = ["**Recent errors**"]
    errors += [
        f"- {when(line.time)}" + (f" `{line.error_id}`" if line.error_id else "") + f": {line.message[:150]}"
        for line in status.errors
    ] or ["- none since start-up"]
    view = discord.ui.LayoutView()
    view.add_item(
        discord.ui.Container(
            discord.ui.TextDisplay("\n".join(body)),
            discord.ui.Separator(),
            discord.ui.TextDisplay("\n".join(jobs)),
            discord.ui.TextDisplay("\n".join(breakers)),
            discord.ui.TextDisplay("\n".join(errors)),
            accent_colour=ACCENT,
        )
    )
    return view


def add_backup_line(view: discord.ui.LayoutView, state: BackupState) -> discord.ui.LayoutView:
    """`/about` for an owner: the backup line, inside the about card."""
    container = next((item for item in view.children if isinstance(item, discord.ui.Container)), None)
    line: discord.ui.TextDisplay[discord.ui.LayoutView] = discord.ui.TextDisplay(
        "-# Owners only:\n" + backup_line(state)
    )
    if container is None:
        view.add_item(line)
    else:
        container.add_item(line)
    return view
