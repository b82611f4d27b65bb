// The protocol's values, parser and field reader live in ExplainJSON; whoever speaks the protocol sees them too.
@_exported import ExplainJSON
