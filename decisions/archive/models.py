"""The archive's table: a decision filed (归档) with its 档号 (Art 33; DA/T 22)."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ArchiveFiling(SQLModel, table=True):
    """One decision's filing: its 档号 and the archival description fixed at filing. Written once; the decision
    is read-only from then on (``Decision.archived_at``)."""

    __table_args__ = (UniqueConstraint("fonds", "year", "retention_code", "item", name="uq_archivefiling_item"),)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", unique=True)
    code: str = Field(unique=True, max_length=80)          # 档号
    fonds: str = Field(max_length=40)                      # 全宗号
    year: int                                              # 年度
    retention: str = Field(max_length=20)                  # 保管期限
    retention_code: str = Field(max_length=10)             # 保管期限代码
    item: int                                              # 件号 within fonds, year and retention
    classification: str = Field(max_length=20)             # 密级
    access: str = Field(max_length=10)                     # 开放 / 控制
    unit: str                                              # 立卷单位
    filer_id: int = Field(foreign_key="user.id")           # 立卷人
    checker_id: int = Field(foreign_key="user.id")         # 检查人
    filed_at: str                                          # 归档日期 (ISO time)
