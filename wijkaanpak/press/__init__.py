"""The press kit of a programme: press releases of its milestones, their news page and feed,
and the portfolio holder's briefing notes.

- `drafting`: a press release drafted from the records of one milestone (the signing, the
  midterm review, the final evaluation), for staff to edit; publishing goes through
  contracts.services.
- `views`: the public news page of a programme and its Atom feed (published releases only).
- `briefing`: the portfolio holder's briefing notes, one A4 page of key facts per wijk.
- `admin`: the press releases in the admin, with the buttons that publish and unpublish, the
  form that drafts one and the briefing's download.

It reads contracts, projects and the fund, which is why it lives in the site package.
"""
