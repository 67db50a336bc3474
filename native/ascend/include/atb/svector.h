// atb::SVector (include/atb/svector.h shape): members in order capacity_, size_,
// storage_[64 + 1], heap_. Inline capacity 64; beyond it the elements move to a heap block of 256;
// at most 256. operator[] checks bounds and throws (callers catch: C++ exceptions stop at the facade).
#ifndef TRAMONTANE_DECL_ATB_SVECTOR_H
#define TRAMONTANE_DECL_ATB_SVECTOR_H

#include <cstddef>
#include <cstdlib>
#include <initializer_list>
#include <new>
#include <stdexcept>

namespace atb {
constexpr std::size_t DEFAULT_SVECTOR_SIZE = 64;
constexpr std::size_t MAX_SVECTOR_SIZE = 256;

template <class T>
class SVector {
 public:
  SVector() : capacity_(DEFAULT_SVECTOR_SIZE), size_(0), storage_{}, heap_(nullptr) {}
  SVector(std::initializer_list<T> list) : SVector() {
    for (const T& v : list) push_back(v);
  }
  SVector(const SVector& o) : SVector() {
    for (std::size_t i = 0; i < o.size_; i++) push_back(o[i]);
  }
  SVector& operator=(const SVector& o) {
    if (this != &o) {
      clear();
      for (std::size_t i = 0; i < o.size_; i++) push_back(o[i]);
    }
    return *this;
  }
  ~SVector() { release(); }

  void push_back(const T& v) {
    if (size_ == capacity_) grow();
    data()[size_++] = v;
  }
  void resize(std::size_t n) {
    if (n > MAX_SVECTOR_SIZE) throw std::length_error("SVector::resize beyond 256");
    while (n > capacity_) grow();
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
  void grow() {
    if (heap_ != nullptr || capacity_ >= MAX_SVECTOR_SIZE) throw std::length_error("SVector beyond 256 elements");
    T* h = static_cast<T*>(std::malloc(sizeof(T) * MAX_SVECTOR_SIZE));
    if (h == nullptr) throw std::bad_alloc();
    for (std::size_t i = 0; i < MAX_SVECTOR_SIZE; i++) new (h + i) T{};
    for (std::size_t i = 0; i < size_; i++) h[i] = storage_[i];
    heap_ = h;
    capacity_ = MAX_SVECTOR_SIZE;
  }
  void release() {
    if (heap_ != nullptr) {
      for (std::size_t i = 0; i < MAX_SVECTOR_SIZE; i++) heap_[i].~T();
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
