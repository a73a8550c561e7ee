// Action: what the event loop runs when an event falls due. A move-only callable that keeps its
// captures inline, so scheduling an event never allocates: a capture larger than kCapacity bytes
// fails to compile (capture a pointer to the state instead) rather than silently costing a heap
// allocation per event, as std::function would.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace deploysim::sim {

class Action {
 public:
  static constexpr std::size_t kCapacity = 48;

  Action() = default;

  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, Action> && std::is_invocable_r_v<void, F&>)
  Action(F&& f) {  // NOLINT: implicit, so that schedule(t, [..]{...}) reads naturally
    using Fn = std::remove_cvref_t<F>;
    static_assert(sizeof(Fn) <= kCapacity,
                  "this capture is too large for an event Action (48 bytes): capture a pointer or "
                  "reference to the state instead of copying it");
    static_assert(alignof(Fn) <= alignof(std::max_align_t), "over-aligned captures are not supported");
    static_assert(std::is_nothrow_move_constructible_v<Fn>,
                  "an Action's captures must be nothrow-movable");
    ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
    ops_ = &kOpsFor<Fn>;
  }

  Action(Action&& other) noexcept { take(other); }
  Action& operator=(Action&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  Action(const Action&) = delete;
  Action& operator=(const Action&) = delete;
  ~Action() { reset(); }

  // An Action for a callable of any size, moved to the heap once: for rare events (API calls,
  // operator actions) whose captures do not fit inline. Never use it on a per-request path.
  template <class F>
  static Action boxed(F&& f) {
    auto held = std::make_shared<std::remove_cvref_t<F>>(std::forward<F>(f));
    return Action([held] { (*held)(); });
  }

  explicit operator bool() const { return ops_ != nullptr; }

  // REQUIRES: this Action holds a callable.
  void operator()() { ops_->invoke(storage_); }

  void reset() {
    if (ops_ != nullptr && ops_->destroy != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

 private:
  struct Ops {
    void (*invoke)(void* self);
    // Move-constructs into `to` and destroys `from`; nullptr when a byte copy does both.
    void (*relocate)(void* from, void* to);
    // nullptr when destruction is a no-op.
    void (*destroy)(void* self);
  };

  template <class Fn>
  static constexpr bool kTrivial =
      std::is_trivially_copyable_v<Fn> && std::is_trivially_destructible_v<Fn>;

  template <class Fn>
  static constexpr Ops kOpsFor{
      [](void* self) { (*static_cast<Fn*>(self))(); },
      kTrivial<Fn> ? nullptr
                   : +[](void* from, void* to) {
                       ::new (to) Fn(std::move(*static_cast<Fn*>(from)));
                       static_cast<Fn*>(from)->~Fn();
                     },
      std::is_trivially_destructible_v<Fn> ? nullptr
                                           : +[](void* self) { static_cast<Fn*>(self)->~Fn(); },
  };

  void take(Action& other) noexcept {
    ops_ = other.ops_;
    if (ops_ == nullptr) return;
    if (ops_->relocate == nullptr) {
      std::memcpy(storage_, other.storage_, kCapacity);
    } else {
      ops_->relocate(other.storage_, storage_);
    }
    other.ops_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char storage_[kCapacity];
  const Ops* ops_ = nullptr;
};

}  // namespace deploysim::sim
