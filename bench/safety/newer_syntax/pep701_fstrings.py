"""PEP 701 (Python 3.12): f-strings that reuse their own quotes, span lines, nest deeply."""

songs = {"title": "Take Five", "artist": "Dave Brubeck", "tags": ["jazz", "cool"]}
names = ["a", "b"]

print(f"{songs["title"]} by {songs["artist"]}")
print(f"tags: {", ".join(songs["tags"])}")
print(f'{'single'} and {"double"}')
print(f"{f"{f"{f"{f"{1 + 1}"}"}"}"}")
print(f"{"\n".join(names)}")
print(f"total: {
    sum(
        len(name)  # a comment inside the replacement field
        for name in names
    )
}")
width = 10
print(f"{songs["title"]:>{width}}|{songs.get("year", "n/a")!r:^{width + 2}}")
print(f"""{songs["artist"]} {"""nested triple"""}""")
print(rf"\d+ {songs["title"]}")
