"""Proxies: each service's calls, written once as plans on a ``*Plans`` class, exposed twice:
on a sync proxy (``conn.compute.get_server(...)`` returns a Server) and on an async one
(``await aconn.compute.get_server(...)``; lists are ``async for``).

A proxy declares each method with a one-line descriptor naming the plan::

    class ComputeProxy(Proxy[ComputePlans]):
        get_server = call(ComputePlans.get_server)
        servers = listing(ComputePlans.servers)

    class AsyncComputeProxy(AsyncProxy[ComputePlans]):
        get_server = acall(ComputePlans.get_server)
        servers = alisting(ComputePlans.servers)

The descriptors keep each plan's signature for type checkers (ParamSpec), so both proxies are
typed from the one definition.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from pocketstack.sdk.plan import Call, Listing
from pocketstack.sdk.runner import AsyncRunner, SyncRunner
from pocketstack.sdk.session import Session

P = ParamSpec("P")
T = TypeVar("T")
PlansT = TypeVar("PlansT", bound="ServicePlans")
Self = TypeVar("Self")


class ServicePlans:
    """A service's calls as plans, over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session


class Proxy(Generic[PlansT]):
    """A service's calls, run synchronously."""

    def __init__(self, plans: PlansT, runner: SyncRunner) -> None:
        self._plans = plans
        self._runner = runner

    @property
    def plans(self) -> PlansT:
        return self._plans


class AsyncProxy(Generic[PlansT]):
    """A service's calls, run on asyncio."""

    def __init__(self, plans: PlansT, runner: AsyncRunner) -> None:
        self._plans = plans
        self._runner = runner

    @property
    def plans(self) -> PlansT:
        return self._plans


class call(Generic[P, T]):
    """A sync proxy method running a plan that ends with a value."""

    def __init__(self, plan: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.plan = plan
        self.__doc__ = plan.__doc__

    @overload
    def __get__(self, proxy: None, owner: type[Any]) -> call[P, T]: ...
    @overload
    def __get__(self, proxy: Proxy[Any], owner: type[Any]) -> Callable[P, T]: ...
    def __get__(self, proxy: Proxy[Any] | None, owner: type[Any]) -> call[P, T] | Callable[P, T]:
        if proxy is None:
            return self
        plan = self.plan

        def method(*args: P.args, **kwargs: P.kwargs) -> T:
            return proxy._runner.run(plan(proxy._plans, *args, **kwargs))

        method.__doc__ = plan.__doc__
        return method


class listing(Generic[P, T]):
    """A sync proxy method returning a lazy iterator over a listing plan."""

    def __init__(self, plan: Callable[Concatenate[Any, P], Listing[T]]) -> None:
        self.plan = plan
        self.__doc__ = plan.__doc__

    @overload
    def __get__(self, proxy: None, owner: type[Any]) -> listing[P, T]: ...
    @overload
    def __get__(self, proxy: Proxy[Any], owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    def __get__(self, proxy: Proxy[Any] | None, owner: type[Any]) -> listing[P, T] | Callable[P, Iterator[T]]:
        if proxy is None:
            return self
        plan = self.plan

        def method(*args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
            return proxy._runner.iterate(plan(proxy._plans, *args, **kwargs))

        method.__doc__ = plan.__doc__
        return method


class acall(Generic[P, T]):
    """An async proxy method running a plan that ends with a value."""

    def __init__(self, plan: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.plan = plan
        self.__doc__ = plan.__doc__

    @overload
    def __get__(self, proxy: None, owner: type[Any]) -> acall[P, T]: ...
    @overload
    def __get__(self, proxy: AsyncProxy[Any], owner: type[Any]) -> Callable[P, Awaitable[T]]: ...
    def __get__(
        self, proxy: AsyncProxy[Any] | None, owner: type[Any]
    ) -> acall[P, T] | Callable[P, Awaitable[T]]:
        if proxy is None:
            return self
        plan = self.plan

        async def method(*args: P.args, **kwargs: P.kwargs) -> T:
            return await proxy._runner.run(plan(proxy._plans, *args, **kwargs))

        method.__doc__ = plan.__doc__
        return method


class alisting(Generic[P, T]):
    """An async proxy method returning an async iterator over a listing plan."""

    def __init__(self, plan: Callable[Concatenate[Any, P], Listing[T]]) -> None:
        self.plan = plan
        self.__doc__ = plan.__doc__

    @overload
    def __get__(self, proxy: None, owner: type[Any]) -> alisting[P, T]: ...
    @overload
    def __get__(self, proxy: AsyncProxy[Any], owner: type[Any]) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(
        self, proxy: AsyncProxy[Any] | None, owner: type[Any]
    ) -> alisting[P, T] | Callable[P, AsyncIterator[T]]:
        if proxy is None:
            return self
        plan = self.plan

        def method(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
            return proxy._runner.iterate(plan(proxy._plans, *args, **kwargs))

        method.__doc__ = plan.__doc__
        return method


def plan_names(proxy_class: type[Any]) -> set[str]:
    """The names a proxy class declares with call/listing/acall/alisting (the contract test
    checks a sync proxy and its async twin declare the same)."""
    kinds = (call, listing, acall, alisting)
    return {name for klass in proxy_class.__mro__ for name, v in vars(klass).items() if isinstance(v, kinds)}
