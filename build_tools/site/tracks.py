"""The course's tracks: folder name -> the name readers see. Cards, events, programmes and the
"what's new" page all read this one list, so a new track is added here once."""

TRACKS = {"governance": "Governance", "gpt2": "Build GPT-2", "circuits": "Transformer circuits"}
