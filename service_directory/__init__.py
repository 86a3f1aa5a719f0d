"""The council's A to Z of services: one ranking shared by the reference backend's search and the actions."""

from service_directory.ranking import DIDNT_MATCH, THRESHOLD, DirectoryRanker, Match

__all__ = ["DIDNT_MATCH", "THRESHOLD", "DirectoryRanker", "Match"]
