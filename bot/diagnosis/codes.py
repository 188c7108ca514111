"""Every finding code the diagnosis can emit, and the severities a finding can have.

The knowledge base words each code (`knowledge/diagnosis.yaml`, `findings:`); `ztbot kb check`
fails when a code has no wording or the wording names a code that is not here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

Severity = Literal["info", "warning", "error"]
SEVERITIES: Final[tuple[Severity, ...]] = ("error", "warning", "info")


class Code(StrEnum):
    """A finding's stable identifier (rules, reports and the knowledge base use it)."""

    # Roots and paths
    NO_ROOT_REACHABLE = "no-root-reachable"
    ROOTS_PARTLY_RELAYED = "roots-partly-relayed"
    ROOTS_STALE = "roots-stale"
    UPLINK_SLOW = "uplink-slow"
    PEER_RELAYED = "peer-relayed"
    TCP_FALLBACK = "tcp-fallback"
    NODE_OFFLINE = "node-offline"
    HIGH_LATENCY = "high-latency"
    ONE_WAY_PATH = "one-way-path"
    PEER_ROLES = "peer-roles"
    # Configuration (`-j info`)
    SYMMETRIC_NAT = "symmetric-nat"
    NON_DEFAULT_PORT = "non-default-port"
    TCP_RELAY_FORCED = "tcp-relay-forced"
    # Networks
    NETWORK_NOT_FOUND = "network-not-found"
    ACCESS_DENIED = "access-denied"
    REQUESTING_CONFIGURATION = "requesting-configuration"
    PORT_ERROR = "port-error"
    AUTHENTICATION_REQUIRED = "authentication-required"
    CLIENT_TOO_OLD = "client-too-old"
    UNKNOWN_STATUS = "unknown-status"
    BOGUS_NETWORK_ID = "bogus-network-id"
    # CLI, service and OS errors
    SERVICE_UNREACHABLE = "service-unreachable"
    TOKEN_UNREADABLE = "token-unreadable"
    UNAUTHORIZED = "unauthorized"
    WRONG_SERVICE_ON_PORT = "wrong-service-on-port"
    CLI_NOT_FOUND = "cli-not-found"
    PERMISSION_DENIED = "permission-denied"
    PORT_IN_USE = "port-in-use"
    CLI_ERROR = "cli-error"
    SERVICE_ERROR = "service-error"
    # Ping
    PING_TIMEOUT = "ping-timeout"
    PING_UNREACHABLE = "ping-unreachable"
    PING_NO_ANSWER = "ping-no-answer"
    PING_LOSS = "ping-loss"
    PING_SLOW = "ping-slow"
    # Versions
    OLD_VERSION = "old-version"
    VERY_OLD_CLIENT = "very-old-client"
    VERSION_MISMATCH = "version-mismatch"
    # The words around the output
    SYMPTOM_UNREACHABLE = "symptom-unreachable"
    SYMPTOM_OFFLINE = "symptom-offline"
    STATE_CHANGED = "state-changed"
    # Secrets and two ends of one conversation
    SECRET_EXPOSED = "secret-exposed"
    TWO_ENDS_RELAYED = "two-ends-relayed"
    TWO_ENDS_DIRECT = "two-ends-direct"


CODES: Final[frozenset[str]] = frozenset(c.value for c in Code)
