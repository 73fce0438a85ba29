from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gymsite.core.dates import DateRangeFilterMixin, IsoDateTimeFilter
from gymsite.core.errors import NotAllowed
from gymsite.core.filters import BooleanFilter, FilterSet, IdFilter

from . import services
from .audit import Actor, client_ip
from .models import APIToken, AuditEvent, Gym, User
from .roles import Role
from .scoping import VisibleGymFilter
from .serializers import (
    APITokenCreatedSerializer,
    APITokenSerializer,
    AuditEventSerializer,
    ChangeOwnPasswordSerializer,
    GymSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    LoginUserSerializer,
    MessageSerializer,
    PasswordChangedSerializer,
    ProfileSerializer,
    RefreshSerializer,
    RegisterSerializer,
    SetPasswordSerializer,
    TokenMessageSerializer,
    TokenPairSerializer,
    UserCreateSerializer,
    UserMessageSerializer,
    UserSerializer,
)

# --- Auth -----------------------------------------------------------------------------


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=LoginSerializer, responses={200: LoginResponseSerializer}, auth=[], tags=["auth"])
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user, tokens = services.auth_login(
            email=data.get("email"),
            username=data.get("username"),
            password=data["password"],
            ip=client_ip(request),
        )
        return Response(
            {**tokens, "token_type": "bearer", "user": LoginUserSerializer(user).data}
        )


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=RefreshSerializer, responses={200: TokenPairSerializer}, auth=[], tags=["auth"])
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.auth_refresh(refresh_token=serializer.validated_data["refresh_token"]))


class LogoutView(APIView):
    required_permission = "auth.me"

    @extend_schema(request=RefreshSerializer, responses={200: MessageSerializer}, tags=["auth"])
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.auth_logout(
            refresh_token=serializer.validated_data["refresh_token"], actor=Actor.from_request(request)
        )
        return Response({"message": _("Logged out.")})


class MeView(APIView):
    required_permission = "auth.me"

    @extend_schema(responses={200: UserSerializer}, tags=["auth"])
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=RegisterSerializer,
        responses={201: UserSerializer, 404: OpenApiResponse(description="Registration is off")},
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        if not settings.ALLOW_REGISTRATION:
            raise Http404
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data, ip=client_ip(request))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


# --- Staff users ----------------------------------------------------------------------


def _require_password_login(request) -> None:
    """Creating and listing API tokens needs a password login (a JWT session), not an API
    token: otherwise a leaked token could mint successors and outlive its revocation."""
    if isinstance(request.auth, APIToken):
        raise NotAllowed(
            _("Sign in with your password to create or list API tokens."),
            "password_login_required",
        )


class UserFilter(FilterSet):
    search = filters.CharFilter(method="filter_search")
    role = filters.ChoiceFilter(choices=Role.choices)
    gym = VisibleGymFilter(field_name="gym_id")
    is_active = BooleanFilter()
    active_only = BooleanFilter(method="filter_active_only")

    class Meta:
        model = User
        fields = ["role", "gym", "is_active"]

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(username__icontains=value) | Q(email__icontains=value) | Q(full_name__icontains=value)
        )

    def filter_active_only(self, queryset, name, value):
        return queryset.filter(is_active=True) if value else queryset


class UserViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Staff administration (admin only) and every user's own profile under /users/me."""

    queryset = User.objects.select_related("gym").order_by("id")
    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["id", "username", "created_at"]
    permission_map = {
        "list": "users.manage",
        "retrieve": "users.manage",
        "create": "users.manage",
        "update": "users.manage",
        "partial_update": "users.manage",
        "deactivate": "users.manage",
        "activate": "users.manage",
        "set_password": "users.manage",
        "tokens": "users.manage",
        "revoke_token": "users.manage",
        "me": "users.self",
        "me_password": "users.self",
        "me_tokens": "users.self",
        "me_revoke_token": "users.self",
    }

    def get_serializer_class(self):
        if self.action == "create":
            return UserCreateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        serializer.instance = services.user_create(
            actor=Actor.from_request(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            actor=Actor.from_request(self.request),
            user=serializer.instance,
            changes=serializer.validated_data,
        )

    def _message(self, user, text):
        return Response({"message": text, "user_id": user.pk})

    @extend_schema(request=None, responses={200: UserMessageSerializer})
    @action(detail=True, methods=["patch"])
    def deactivate(self, request, pk=None):
        user = services.user_set_active(actor=Actor.from_request(request), user=self.get_object(), active=False)
        return self._message(user, _("User deactivated."))

    @extend_schema(request=None, responses={200: UserMessageSerializer})
    @action(detail=True, methods=["patch"])
    def activate(self, request, pk=None):
        user = services.user_set_active(actor=Actor.from_request(request), user=self.get_object(), active=True)
        return self._message(user, _("User activated."))

    @extend_schema(request=SetPasswordSerializer, responses={200: MessageSerializer})
    @action(detail=True, methods=["patch"], url_path="password")
    def set_password(self, request, pk=None):
        """An admin sets a user's password; their own only with the current one."""
        serializer = SetPasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_set_password(
            actor=Actor.from_request(request),
            user=self.get_object(),
            new_password=serializer.validated_data["new_password"],
            current_password=serializer.validated_data.get("current_password"),
        )
        return Response({"message": _("Password updated.")})

    @extend_schema(request=None, responses={200: APITokenSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def tokens(self, request, pk=None):
        _require_password_login(request)
        user = self.get_object()
        return Response(APITokenSerializer(user.api_tokens.all(), many=True).data)

    @extend_schema(request=None, responses={200: TokenMessageSerializer})
    @action(detail=True, methods=["delete"], url_path=r"tokens/(?P<token_id>\d+)")
    def revoke_token(self, request, pk=None, token_id=None):
        user = self.get_object()
        token = get_object_or_404(APIToken, pk=token_id, user=user)
        services.api_token_revoke(actor=Actor.from_request(request), token=token)
        return Response({"message": _("Token revoked."), "token_id": token.pk})

    # --- own profile ---

    @extend_schema(methods=["get"], request=None, responses={200: ProfileSerializer})
    @extend_schema(methods=["put", "patch"], request=ProfileSerializer, responses={200: ProfileSerializer})
    @action(detail=False, methods=["get", "put", "patch"], filterset_class=None)
    def me(self, request):
        if request.method == "GET":
            return Response(ProfileSerializer(request.user).data)
        serializer = ProfileSerializer(request.user, data=request.data, partial=request.method == "PATCH")
        serializer.is_valid(raise_exception=True)
        user = services.profile_update(
            actor=Actor.from_request(request), user=request.user, changes=serializer.validated_data
        )
        return Response(ProfileSerializer(user).data)

    @extend_schema(request=ChangeOwnPasswordSerializer, responses={200: PasswordChangedSerializer})
    @action(detail=False, methods=["patch"], url_path="me/password", filterset_class=None)
    def me_password(self, request):
        """A password change ends every session of the user, this one too: the answer
        carries a fresh token pair so the client that changed it stays signed in."""
        serializer = ChangeOwnPasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_set_password(
            actor=Actor.from_request(request),
            user=request.user,
            new_password=serializer.validated_data["new_password"],
            current_password=serializer.validated_data["current_password"],
        )
        request.user.refresh_from_db(fields=["password"])
        return Response(
            {"message": _("Password updated."), **services.token_pair_for(request.user)}
        )

    @extend_schema(methods=["get"], request=None, responses={200: APITokenSerializer(many=True)})
    @extend_schema(methods=["post"], request=APITokenSerializer, responses={201: APITokenCreatedSerializer})
    @action(detail=False, methods=["get", "post"], url_path="me/tokens", pagination_class=None, filterset_class=None)
    def me_tokens(self, request):
        _require_password_login(request)
        if request.method == "GET":
            return Response(APITokenSerializer(request.user.api_tokens.all(), many=True).data)
        serializer = APITokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = services.api_token_create(
            actor=Actor.from_request(request),
            user=request.user,
            description=serializer.validated_data["description"],
        )
        body = APITokenCreatedSerializer(token).data
        body["token"] = raw
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TokenMessageSerializer})
    @action(detail=False, methods=["delete"], url_path=r"me/tokens/(?P<token_id>\d+)", filterset_class=None)
    def me_revoke_token(self, request, token_id=None):
        token = get_object_or_404(APIToken, pk=token_id, user=request.user)
        services.api_token_revoke(actor=Actor.from_request(request), token=token)
        return Response({"message": _("Token revoked."), "token_id": token.pk})


# --- Gyms -----------------------------------------------------------------------------


class GymFilter(FilterSet):
    is_active = BooleanFilter()
    search = filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Gym
        fields = ["is_active"]


class GymViewSet(viewsets.ModelViewSet):
    """Every staff user reads the gyms they may see (a non-admin: their own); the admin
    manages them."""

    queryset = Gym.objects.all().order_by("id")
    serializer_class = GymSerializer
    filterset_class = GymFilter
    ordering_fields = ["id", "name", "created_at"]
    permission_map = {
        "list": "gyms.read",
        "retrieve": "gyms.read",
        "active": "gyms.read",
        "create": "gyms.manage",
        "update": "gyms.manage",
        "partial_update": "gyms.manage",
        "destroy": "gyms.manage",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        return queryset if user.is_admin else queryset.filter(pk=user.gym_id)

    @extend_schema(responses={200: GymSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def active(self, request):
        queryset = self.filter_queryset(self.get_queryset()).filter(is_active=True)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def perform_create(self, serializer):
        serializer.instance = services.gym_create(
            actor=Actor.from_request(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.gym_update(
            actor=Actor.from_request(self.request),
            gym=serializer.instance,
            changes=serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.gym_delete(actor=Actor.from_request(self.request), gym=instance)


# --- Audit ----------------------------------------------------------------------------


class AuditEventFilter(DateRangeFilterMixin, FilterSet):
    action = filters.CharFilter()
    action_prefix = filters.CharFilter(field_name="action", lookup_expr="startswith")
    actor = IdFilter(field_name="actor_user_id")
    gym = VisibleGymFilter(field_name="gym_id")
    target_type = filters.CharFilter()
    target_id = filters.CharFilter()
    date_from = IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    date_to = IsoDateTimeFilter(field_name="at", lookup_expr="lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "gym", "target_type", "target_id"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering_fields = ["at", "id"]
    permission_map = {"list": "audit.read", "retrieve": "audit.read"}

