"""Row ids as the API accepts them: every primary key is a BigAutoField."""

MAX_ID = 2**63 - 1
