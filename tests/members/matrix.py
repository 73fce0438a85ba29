"""URL-kwarg providers for the permission matrix (see tests/matrix.py): member routes.
Every app's routes under /members/{id}/ share the basename "member" (members/routes.py),
so `member_pk` serves billing's renew, pause... too."""

import uuid

from tests.factories import MemberFactory
from tests.matrix import provides


@provides("member", "pk")
def member_pk(ctx):
    return MemberFactory(gym=ctx.gym).pk


@provides("member-search-document", "document_id")
def member_document_id(ctx):
    document_id = f"DOC-{uuid.uuid4().hex[:10]}"
    MemberFactory(gym=ctx.gym, document_id=document_id)
    return document_id


@provides("member-search-phone", "phone")
def member_phone(ctx):
    return MemberFactory(gym=ctx.gym).phone
