#!/bin/sh
# Makes the service's Temporal namespace ready: created with its retention period (or that
# period set again, so a change takes effect), and the service's search attributes registered.
# Idempotent. Run from the temporalio/admin-tools image (its `temporal` CLI), by compose's
# temporal-namespace job and by the Kubernetes Job in deploy/k8s.
#
#   TEMPORAL_ADDRESS       the frontend, e.g. temporal:7233 (the CLI reads it)
#   NAMESPACE              the namespace (PATHWAYS_TEMPORAL_NAMESPACE of the worker and the API)
#   RETENTION              how long a closed workflow's history is kept, e.g. 30d
#
# The search attributes are the ones the workflows upsert when PATHWAYS_SEARCH_ATTRIBUTES=1.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}" "${RETENTION:?}"
attributes="PathwaysLocalAuthority:Keyword PathwaysPathway:Keyword PathwaysStage:Keyword PathwaysNextDueOn:Datetime"

# The server answers health checks a little before it serves namespace calls.
attempt=1
until temporal operator cluster health >/dev/null 2>&1; do
    if [ "$attempt" -ge 30 ]; then
        echo "setup-namespace.sh: Temporal at $TEMPORAL_ADDRESS is not healthy" >&2
        exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
done

if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
    temporal operator namespace update --namespace "$NAMESPACE" --retention "$RETENTION"
else
    temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
fi

# A namespace just created can take a moment to reach every frontend's cache.
attempt=1
until registered=$(temporal operator search-attribute list --namespace "$NAMESPACE" 2>/dev/null); do
    if [ "$attempt" -ge 30 ]; then
        echo "setup-namespace.sh: cannot list the search attributes of $NAMESPACE" >&2
        exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
done
for attribute in $attributes; do
    name=${attribute%%:*}
    type=${attribute#*:}
    if printf '%s\n' "$registered" | grep -qw "$name"; then
        echo "search attribute $name is registered"
    else
        temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"
    fi
done
echo "setup-namespace.sh: namespace $NAMESPACE is ready (retention $RETENTION)"
