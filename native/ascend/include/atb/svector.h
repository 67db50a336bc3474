// atb::SVector (include/atb/svector.h shape and behaviour as of TRAMONTANE_CANN_VERSION): members in
// order capacity_, size_, storage_[64 + 1], heap_. Up to 64 elements live in storage_ with capacity_
// 0; reserve(n) with 64 < n <= 256 moves them to a heap block of n (capacity_ n). A 65th push_back
// without reserve throws atb::MaxSizeExceeded before 8.3.RC1 and moves the elements to a heap block
// of 256 from 8.3.RC1; past the heap block's size, and past 256 in every release, it throws
// MaxSizeExceeded. operator[] and at() throw std::out_of_range at or past size() (callers catch: C++
// exceptions stop at the facade). The conformance test runs these cases against cann-facts.json.
#ifndef TRAMONTANE_DECL_ATB_SVECTOR_H
#define TRAMONTANE_DECL_ATB_SVECTOR_H

#include <cstddef>
#include <cstdlib>
#include <exception>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include "tramontane_cann_version.h"

namespace atb {
constexpr std::size_t DEFAULT_SVECTOR_SIZE = 64;
constexpr std::size_t MAX_SVECTOR_SIZE = 256;

class MaxSizeExceeded : public std::exception {
 public:
  const char* what() const noexcept override { return "atb::SVector: more elements than its capacity"; }
};

template <class T>
class SVector {
 public:
  SVector() : capacity_(0), size_(0), storage_{}, heap_(nullptr) {}
  SVector(std::initializer_list<T> list) : SVector() {
    for (const T& v : list) push_back(v);
  }
  SVector(const SVector& o) : SVector() { assign(o); }
  SVector& operator=(const SVector& o) {
    if (this != &o) {
      clear();
      assign(o);
    }
    return *this;
  }
  ~SVector() { release(); }

  void reserve(std::size_t n) {
    if (n > MAX_SVECTOR_SIZE) throw MaxSizeExceeded();
    if (n > DEFAULT_SVECTOR_SIZE && n > capacity_) moveToHeap(n);
  }
  void push_back(const T& v) {
    if (heap_ == nullptr && size_ == DEFAULT_SVECTOR_SIZE) {
#if TRAMONTANE_CANN_VERSION >= 80300
      moveToHeap(MAX_SVECTOR_SIZE);
#else
      throw MaxSizeExceeded();
#endif
    } else if (heap_ != nullptr && size_ == capacity_) {
      throw MaxSizeExceeded();
    }
    data()[size_++] = v;
  }
  void resize(std::size_t n) {
    reserve(n);
    for (std::size_t i = size_; i < n; i++) data()[i] = T{};
    size_ = n;
  }
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) {
    if (i >= size_) throw std::out_of_range("SVector index out of range");
    return data()[i];
  }
  const T& operator[](std::size_t i) const {
    if (i >= size_) throw std::out_of_range("SVector index out of range");
    return data()[i];
  }
  T& at(std::size_t i) { return (*this)[i]; }
  const T& at(std::size_t i) const { return (*this)[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }

 private:
  T* data() { return heap_ != nullptr ? heap_ : storage_; }
  const T* data() const { return heap_ != nullptr ? heap_ : storage_; }
  void assign(const SVector& o) {
    if (o.heap_ != nullptr) reserve(o.capacity_);
    for (std::size_t i = 0; i < o.size_; i++) push_back(o[i]);
  }
  void moveToHeap(std::size_t n) {
    T* h = static_cast<T*>(std::malloc(sizeof(T) * n));
    if (h == nullptr) throw std::bad_alloc();
    for (std::size_t i = 0; i < n; i++) new (h + i) T{};
    for (std::size_t i = 0; i < size_; i++) h[i] = data()[i];
    release();
    heap_ = h;
    capacity_ = n;
  }
  void release() {
    if (heap_ != nullptr) {
      for (std::size_t i = 0; i < capacity_; i++) heap_[i].~T();
      std::free(heap_);
      heap_ = nullptr;
    }
  }

  std::size_t capacity_;
  std::size_t size_;
  T storage_[DEFAULT_SVECTOR_SIZE + 1];
  T* heap_;
};
}  // namespace atb
#endif
