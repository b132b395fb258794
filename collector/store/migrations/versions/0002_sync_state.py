"""Incremental collection: cursors, page memos, and items or repositories that are gone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

``sync_cursors``: where collection of one (source, repository, kind) stands,
written in the same transaction as the page it covers. ``page_memos``: each
list page's validators (ETag / Last-Modified), next link and item keys, for
conditional requests. ``gone_at``/``gone_reason`` on repositories and items:
flagged, never deleted, when the forge says they are gone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("repositories", "items"):
        op.add_column(table, sa.Column("gone_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("gone_reason", sa.Text(), nullable=True))
    op.create_table(
        "sync_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("forge", sa.String(16), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("repo_path", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("marker", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pass_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pass_high", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pass_marker", sa.Text(), nullable=True),
        sa.Column("resume_url", sa.Text(), nullable=True),
        sa.Column("resume_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resume_key", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_cursors"),
        sa.UniqueConstraint(
            "source", "forge", "host", "repo_path", "kind", name="uq_sync_cursors_key"
        ),
    )
    op.create_table(
        "page_memos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("forge", sa.String(16), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("repo_path", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("next_url", sa.Text(), nullable=True),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_page_memos"),
        sa.UniqueConstraint("source", "url", name="uq_page_memos_url"),
    )
    op.create_index(
        "ix_page_memos_list", "page_memos", ["source", "forge", "host", "repo_path", "kind"]
    )


def downgrade() -> None:
    op.drop_index("ix_page_memos_list", table_name="page_memos")
    op.drop_table("page_memos")
    op.drop_table("sync_cursors")
    for table in ("items", "repositories"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("gone_reason")
            batch.drop_column("gone_at")
