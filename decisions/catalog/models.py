"""The annual decision catalog (Art 3¶3): items, versions, closures."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from decisions.storage.schema import metadata  # noqa: F401  (naming convention first)


class CatalogItem(SQLModel, table=True):
    """A row of an annual decision catalog (重大行政决策事项目录, Art 3¶3)."""

    id: int | None = Field(default=None, primary_key=True)
    organ_id: int = Field(foreign_key="office.id", index=True)
    year: int = Field(index=True)
    seq: int = 0
    item_name: str
    undertaking_unit: str = ""
    procedures: str = ""
    hearing: str = ""
    legal_basis: str = ""
    planned_time: str = ""
    main_content: str = ""
    source: str = ""
    published_at: str = ""
    party_consent_at: str = ""
    # versions (Art 3¶3 调整): an item is visible in versions [version_added, version_removed)
    version_added: int = Field(default=1)
    version_removed: int | None = Field(default=None)
    supersedes_id: int | None = Field(default=None)   # the item (catalogitem.id) this one replaces
    target_date: str = Field(default="", max_length=10)   # ISO date parsed from planned_time
    undertaker_id: int | None = Field(default=None)   # office.id matched from undertaking_unit, when found


class CatalogVersion(SQLModel, table=True):
    """One version of an organ's annual catalog: draft → Party-committee consent → published (Art 3¶3)."""

    __tablename__ = "catalog_version"
    __table_args__ = (UniqueConstraint("organ_id", "year", "version", name="uq_catalog_version_organ_year_version"),)
    id: int | None = Field(default=None, primary_key=True)
    organ_id: int = Field(foreign_key="office.id", index=True)
    year: int
    version: int
    status: str = Field(default="draft", max_length=12)  # draft | consented | published
    reason: str = ""                            # why this version (adjustment reason)
    created_at: str
    created_by: str = ""
    party_consent_at: str = ""
    party_consent_ref: str = ""
    published_at: str = ""
    publication_ref: str = ""


class CatalogClosure(SQLModel, table=True):
    """The year-end closing of a catalog year (年终总公开): no item or adjustment after it."""

    __tablename__ = "catalog_closure"
    organ_id: int = Field(foreign_key="office.id", primary_key=True)
    year: int = Field(primary_key=True)
    closed_at: str
    closed_by: str
    summary: str = ""
