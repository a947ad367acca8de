"""Reads Prometheus text exposition from stdin with the Prometheus project's own Python parser
(prometheus_client.parser, Debian python3-prometheus-client) and prints its families as JSON; any line the
parser cannot read makes it exit non-zero."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": family.name,
        "type": family.type,
        "help": family.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    })
json.dump(families, sys.stdout)
