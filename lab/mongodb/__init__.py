"""The real MongoDB lab: a 3-member replica set of real ``mongod`` on loopback, when one is on PATH
(``msgops lab mongodb up``)."""

from msgops.lab.mongodb.lab import MongoLab, mongod_binary

__all__ = ["MongoLab", "mongod_binary"]
