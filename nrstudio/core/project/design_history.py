"""What a project keeps of its design work: the newest design and suggestion tables (section
``design``) and the campaign's rounds (section ``campaign``). Project-level operations, above
the modeling domain whose records they store, so the domain never reads or writes sections."""

from __future__ import annotations

from typing import Any

import pandas as pd

from nrstudio.core.modeling.campaign import Aim, Campaign, CampaignRound
from nrstudio.core.modeling.design_record import DesignRecord, DesignRecords, want_lines
from nrstudio.core.project.sections import read_section, write_section
from nrstudio.core.project_model import Project


def keep_record(project: Project, kind: str, wants: list[Any], table: pd.DataFrame,
                notes: list[str]) -> None:
    """Store ``table`` as the project's newest design (``kind`` "design") or suggestions
    ("suggest"), in memory; the other kind's record is kept."""
    records = read_section(project, "design") or DesignRecords()
    setattr(records, kind, DesignRecord(kind, want_lines(wants), table, notes))
    write_section(project, "design", records)


def record_round(project: Project, kind: str, wants: list[Any], samples: list[str]) -> Campaign:
    """Add a round to the project's campaign (in memory) and return the campaign."""
    campaign = read_section(project, "campaign") or Campaign()
    campaign.rounds.append(CampaignRound(kind, [Aim.of(w) for w in wants], list(samples)))
    write_section(project, "campaign", campaign)
    return campaign
