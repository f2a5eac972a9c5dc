"""Routes of the canvas editor: the page at /workflows/<slug>/ and its session-auth endpoints."""

from django.urls import path

from apps.workflows.views import circuit, editor, mutations, panel, run

app_name = "editor"

urlpatterns = [
    path("workflows/<slug:slug>/", editor.editor_page, name="page"),
    path("workflows/<slug:slug>/editor/graph/", editor.graph_fragment, name="graph"),
    path("workflows/<slug:slug>/editor/nodes/", mutations.node_create, name="node-create"),
    path("workflows/<slug:slug>/editor/nodes/<str:node_id>/", mutations.node_delete, name="node-delete"),
    path("workflows/<slug:slug>/editor/nodes/<str:node_id>/card/", editor.node_card, name="node-card"),
    path("workflows/<slug:slug>/editor/nodes/<str:node_id>/position/", mutations.node_move, name="node-move"),
    path("workflows/<slug:slug>/editor/nodes/<str:node_id>/panel/", panel.node_panel, name="node-panel"),
    path("workflows/<slug:slug>/editor/nodes/<str:node_id>/run/", run.run_trigger, name="node-run"),
    path("workflows/<slug:slug>/editor/edges/", mutations.edge_create, name="edge-create"),
    path("workflows/<slug:slug>/editor/edges/<int:edge_id>/", mutations.edge_delete, name="edge-delete"),
    path("workflows/<slug:slug>/editor/chat/", run.chat_send, name="chat-send"),
    path("workflows/<slug:slug>/editor/circuit/reset/", circuit.circuit_reset, name="circuit-reset"),
]
