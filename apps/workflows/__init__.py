"""The graph as data: workflows, nodes, configs, edges and the node-type registry."""
