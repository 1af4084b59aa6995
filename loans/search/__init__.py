"""Name search (issue 17): a token table answering "contains" and pinyin/initials
searches with an index range on SQLite and PostgreSQL alike. ``tokens`` is pure;
``index`` keeps the tokens current and gives the lists their ``matching`` clause."""
