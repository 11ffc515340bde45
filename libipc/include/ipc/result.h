#pragma once
// Result<T, E>: a value or an error, returned by value and never ignored.
// The freestanding stand-in for SerenityOS's ErrorOr; TRY() propagates.

#include <ipc/error.h>
#include <new>
#include <type_traits>
#include <utility>

namespace ipc {

template<typename T, typename E = Error>
class [[nodiscard]] Result {
public:
    Result(T value) : m_ok(true) { new (&m_value) T(std::move(value)); }
    Result(E error) : m_ok(false), m_error(error) { }

    Result(const Result& other) : m_ok(other.m_ok)
    {
        if (m_ok)
            new (&m_value) T(other.m_value);
        else
            m_error = other.m_error;
    }
    Result& operator=(const Result& other)
    {
        if (this != &other) {
            this->~Result();
            new (this) Result(other);
        }
        return *this;
    }
    ~Result()
    {
        if (m_ok)
            m_value.~T();
    }

    bool is_error() const { return !m_ok; }
    bool has_value() const { return m_ok; }
    E error() const { return m_error; }
    T& value() { return m_value; }
    const T& value() const { return m_value; }
    T release_value() { return std::move(m_value); }

private:
    bool m_ok;
    union {
        T m_value;
        E m_error;
    };
};

template<typename E>
class [[nodiscard]] Result<void, E> {
public:
    Result() = default;
    Result(E error) : m_ok(false), m_error(error) { }
    bool is_error() const { return !m_ok; }
    bool has_value() const { return m_ok; }
    E error() const { return m_error; }
    void release_value() { }

private:
    bool m_ok { true };
    E m_error {};
};

} // namespace ipc

// Evaluate a Result; on error return the error from the enclosing function,
// otherwise yield the value. (GNU statement expression, as in SerenityOS.)
#define TRY(expr)                                                                                            \
    ({                                                                                                       \
        auto _try_result = (expr);                                                                           \
        if (_try_result.is_error())                                                                          \
            return _try_result.error();                                                                      \
        _try_result.release_value();                                                                         \
    })
