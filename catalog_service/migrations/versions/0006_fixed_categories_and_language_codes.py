"""categories from the fixed list, languages as ISO 639-1 codes (shared/contract/catalogue.py)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from shared.contract.catalogue import DEFAULT_CATEGORY, LANGUAGES, category, language

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Free-text categories of earlier releases (the demo catalogue's included) -> the list's.
FORMER = {
    "science": "Science & Nature",
    "nature": "Science & Nature",
    "psychology": "Science & Nature",
    "horror": "Fiction",
    "cooking": "Cookery",
    "cookbooks": "Cookery",
    "biography": "Biography & Memoir",
    "memoir": "Biography & Memoir",
    "comics": "Comics & Graphic Novels",
    "graphic novels": "Comics & Graphic Novels",
    "children": "Children's",
    "religion": "Religion & Spirituality",
    "politics": "Politics & Society",
    "business": "Business & Economics",
    "economics": "Business & Economics",
    "art": "Art & Photography",
    "photography": "Art & Photography",
    "health": "Health & Wellbeing",
    "thriller": "Mystery & Thriller",
    "mystery": "Mystery & Thriller",
    "sci-fi": "Science Fiction",
}
_CODE_BY_NAME = {name.casefold(): code for code, name in LANGUAGES.items()}


def upgrade() -> None:
    books = sa.table("books", sa.column("category", sa.String), sa.column("language", sa.String))
    bind = op.get_bind()
    for (old,) in bind.execute(sa.select(books.c.category).distinct()).all():
        new = category(old or "") or FORMER.get((old or "").strip().casefold(), DEFAULT_CATEGORY)
        if new != old:
            bind.execute(books.update().where(books.c.category == old).values(category=new))
    for (spelled,) in bind.execute(sa.select(books.c.language).distinct()).all():
        if spelled is None:
            continue
        code = language(spelled) or _CODE_BY_NAME.get(spelled.strip().casefold())
        if code != spelled:
            bind.execute(books.update().where(books.c.language == spelled).values(language=code))


def downgrade() -> None:
    pass  # the codes and list names are valid free text too
